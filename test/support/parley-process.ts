// Parley as a real operating-system process (the build from test/global-setup.ts), for tests about
// crashes, signals and several nodes. Reads the `listening` log line to learn its ports.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { inject } from 'vitest';

export interface ParleyProcess {
  readonly proc: ChildProcess;
  readonly url: string;
  readonly wsUrl: string;
  readonly stompPort: number;
  /** Every log line so far (JSON objects). */
  readonly logs: Array<Record<string, unknown>>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  kill(signal: NodeJS.Signals): void;
}

export function runParleyProcess(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [inject('parleyMain')], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Starts a node and resolves once it is listening (rejects if it exits first or takes > 15 s). */
export function startParleyProcess(env: Record<string, string>): Promise<ParleyProcess> {
  const proc = runParleyProcess({ PORT: '0', HOST: '127.0.0.1', STOMP_PORT: '0', ...env });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return new Promise<ParleyProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`node did not start within 15 s: ${stderr}`));
    }, 15_000);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`node exited (${code ?? signal}) before listening: ${stderr}`));
    });
    if (proc.stdout === null) throw new Error('no stdout');
    createInterface({ input: proc.stdout }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg === 'listening' && typeof entry.url === 'string') {
        clearTimeout(timer);
        const url = entry.url;
        resolve({
          proc,
          url,
          wsUrl: `${url.replace(/^http/, 'ws')}/ws`,
          stompPort: Number(entry.stompPort ?? 0),
          logs,
          exited,
          stderr: () => stderr,
          kill: (signal) => {
            proc.kill(signal);
          },
        });
      }
    });
  });
}
