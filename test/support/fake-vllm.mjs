// A stand-in for the `vllm` executable in tests of the node agent: `fake-vllm.mjs serve <model> --port P …` logs
// vLLM's start-up lines, opens its port after FAKE_VLLM_LOAD_MS + FAKE_VLLM_WARM_MS, answers /health and
// /v1/completions (FAKE_VLLM_MS_PER_TOKEN per output token) and exits cleanly on SIGTERM, as vLLM does.
import http from 'node:http';

const argv = process.argv.slice(2);
const arg = (name) => argv[argv.indexOf(name) + 1];
const port = Number(arg('--port'));
const servedName = arg('--served-model-name');
const loadMs = Number(process.env.FAKE_VLLM_LOAD_MS ?? 100);
const warmMs = Number(process.env.FAKE_VLLM_WARM_MS ?? 100);
const msPerToken = Number(process.env.FAKE_VLLM_MS_PER_TOKEN ?? 1);

console.log(`INFO args: ${argv.join(' ')} CUDA_VISIBLE_DEVICES=${process.env.CUDA_VISIBLE_DEVICES}`);
const server = http.createServer((req, res) => {
  if (req.url === '/health') return res.writeHead(200).end();
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    const request = JSON.parse(body || '{}');
    const timer = setTimeout(() => {
      const text = JSON.stringify({
        id: 'cmpl-fake',
        object: 'text_completion',
        model: servedName,
        choices: [{ index: 0, text: ' tok'.repeat(request.max_tokens), finish_reason: 'length' }],
        usage: { prompt_tokens: 1, completion_tokens: request.max_tokens, total_tokens: request.max_tokens + 1 },
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(text);
    }, request.max_tokens * msPerToken);
    res.once('close', () => clearTimeout(timer));
  });
});
setTimeout(() => {
  console.log(`INFO Loading weights took ${(loadMs / 1000).toFixed(2)} seconds`);
  setTimeout(() => server.listen(port, '127.0.0.1', () => console.log('INFO Application startup complete.')), warmMs);
}, loadMs);
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
