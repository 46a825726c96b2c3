// --trace FILE: every handled message as one NDJSON line, written in large chunks so
// that tracing a long run stays I/O-bound rather than syscall-bound.
import { closeSync, openSync, writeSync } from 'node:fs';

export class NdjsonTraceWriter {
  private readonly fd: number;
  private buf: string[] = [];
  private size = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  readonly onDeliver = (tMs: number, actor: string, msg: unknown): void => {
    const line = JSON.stringify({ t: tMs, actor, msg }, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) + '\n';
    this.buf.push(line);
    this.size += line.length;
    if (this.size > 1 << 20) this.flush();
  };

  private flush(): void {
    if (this.buf.length === 0) return;
    writeSync(this.fd, this.buf.join(''));
    this.buf = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
