import * as nodeFs from 'node:fs';
import path from 'node:path';

/** The file operations a durable write needs; a test passes a fake that fails as a full or broken disk does. */
export interface DurableFs {
  openSync(file: string, flags: string): number;
  writeSync(fd: number, text: string): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
}

/**
 * Replaces `file` with `text` atomically and durably: the text to a temporary file, fsync, rename over the old one,
 * fsync the directory, so a power cut leaves either the old content or the new, never an empty file (ext4 can
 * otherwise commit the rename before the data). Throws what the disk throws (ENOSPC included); the caller decides.
 */
export function writeFileDurably(file: string, text: string, fs: DurableFs = nodeFs): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}

/**
 * Replaces `file` with `text` atomically (temporary file, rename) without waiting for the disk: once it returns the
 * new content is what any process reads, so it survives the writer's crash (the kernel holds it), though not a power
 * cut before the kernel flushes it. Write it durably afterwards (`writeFileDurably`) where a power cut matters too.
 */
export function writeFileAtomically(file: string, text: string, fs: DurableFs = nodeFs): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
