// Describes the machine a benchmark ran on, for every report.
import * as os from 'node:os';
import { execSync } from 'node:child_process';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  disk: string;
  date: string;
}

export function machineInfo(dir = process.cwd()): MachineInfo {
  let disk = 'unknown';
  try {
    disk = execSync(`df -h ${JSON.stringify(dir)} | tail -1`, { encoding: 'utf8' }).trim().split(/\s+/).slice(0, 2).join(' ');
  } catch {
    /* df missing */
  }
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    disk,
    date: new Date().toISOString(),
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}, filesystem ${m.disk}, ${m.date}`;
}

/** Bytes of all files under `dir`. */
export function dirBytes(dir: string): number {
  try {
    return Number(execSync(`du -sb ${JSON.stringify(dir)}`, { encoding: 'utf8' }).split(/\s+/)[0]);
  } catch {
    return 0;
  }
}
