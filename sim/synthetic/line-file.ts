import { closeSync, openSync, writeSync } from 'node:fs';

/** Appends lines to a file through a buffer: generated series reach tens of MB, so they are not held in memory. */
export class LineFile {
  private readonly fd: number;
  private buffer: string[] = [];
  private bufferedChars = 0;
  lines = 0;

  constructor(readonly file: string) {
    this.fd = openSync(file, 'w');
  }

  write(line: string): void {
    this.buffer.push(line);
    this.bufferedChars += line.length + 1;
    this.lines++;
    if (this.bufferedChars > 1 << 20) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, `${this.buffer.join('\n')}\n`);
    this.buffer = [];
    this.bufferedChars = 0;
  }
}
