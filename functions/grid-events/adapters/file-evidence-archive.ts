import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArchiveResult, EvidenceArchive } from '../ports.js';

/**
 * The local platform's write-once evidence store: one file per key under `root`, created with O_CREAT|O_EXCL (`wx`)
 * so a second write of a key fails instead of replacing it, and made read-only (0444) once written. What S3 Object
 * Lock does in AWS, as far as a local disk can: it refuses overwrites through this port; it cannot stop root.
 */
export class FileEvidenceArchive implements EvidenceArchive {
  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    const resolved = path.resolve(this.root, key);
    if (!resolved.startsWith(path.resolve(this.root) + path.sep))
      throw new Error(`evidence key ${key} leaves the archive`);
    return resolved;
  }

  async putOnce(key: string, bytes: Buffer): Promise<ArchiveResult> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(file, 'wx', 0o444);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return { outcome: 'exists', bytes: await readFile(file) };
    }
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { outcome: 'stored' };
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
