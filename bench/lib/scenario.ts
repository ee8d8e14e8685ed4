// The contract between bench/run.ts and each scenario file.
import type { ScenarioReport } from './results.js';

export interface RunOptions {
  /** Smaller counts and shorter phases, for checking the harness itself. */
  quick: boolean;
  /** Run the gateway under `node --cpu-prof` and keep the profiles in this directory. */
  profileDir: string | undefined;
  /** The image's root filesystem to run the gateway in (footprint only; see GatewayOptions.rootfs). */
  rootfs: string | undefined;
  log(message: string): void;
}

export interface Scenario {
  name: string;
  title: string;
  run(opts: RunOptions): Promise<ScenarioReport>;
}
