// Test runs see the same environment as the local platform (quiet SDK, no EMF output, no X-Ray).
import '../../sim/local-env.js';
