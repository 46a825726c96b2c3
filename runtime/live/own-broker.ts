// The broker `npm run kafka:up` started (scripts/kafka.mjs), stopped and started again
// as a live fault. Only that broker: a cluster the tool did not start is not its to stop.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function projectScript(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'scripts', 'kafka.mjs');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

export class OwnBroker {
  private constructor(private readonly script: string, readonly port: number) {}

  /** The project's broker on 127.0.0.1:`port`, if that is what answers there (its pid file says so). */
  static find(brokers: readonly string[]): OwnBroker | undefined {
    if (brokers.length !== 1) return undefined;
    const m = /^(127\.0\.0\.1|localhost):(\d+)$/.exec(brokers[0]);
    const script = projectScript();
    if (m === null || script === undefined) return undefined;
    const pidFile = join(tmpdir(), `faultline-kafka-${m[2]}`, 'broker.pid');
    if (!existsSync(pidFile)) return undefined;
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8')), 0);
    } catch {
      return undefined;
    }
    return new OwnBroker(script, Number(m[2]));
  }

  /** In a process group of its own: a Ctrl-C meant for the run must not kill a stop or start of the broker halfway. */
  private run(cmd: 'up' | 'down'): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [this.script, cmd], { env: { ...process.env, FAULTLINE_KAFKA_PORT: String(this.port) }, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`kafka.mjs ${cmd}: ${err.message}`));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`kafka.mjs ${cmd}: ${stderr.trim().split('\n').pop() || `ended with ${signal ?? `exit code ${code}`}`}`));
      });
    });
  }

  stop(): Promise<void> {
    return this.run('down');
  }

  start(): Promise<void> {
    return this.run('up');
  }
}
