import type { LoadedConfig } from '../core/config/load.js';
import type { DoctorReport } from '../core/store/doctor.js';

export type { DoctorReport, Finding } from '../core/store/doctor.js';

/*
 * `taho doctor` reads the files of a data directory on this machine, with no server (a server
 * keeps its store open), so it is not part of the Client contract.
 */
export async function runDoctor(loaded: LoadedConfig, repair: boolean): Promise<DoctorReport> {
  const { doctor } = await import('../core/store/doctor.js');
  return doctor({ url: loaded.config.store.url, dataDir: loaded.config.data_dir, repair });
}
