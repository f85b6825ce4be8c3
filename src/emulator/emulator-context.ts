import type { CallCounters } from './call-counters';
import type { ResolvedEmulatorOptions } from './emulator-options';
import type { FaultState } from './fault-state';
import type { SeededOrg } from './org-seed';
import type { PresenceStore } from './presence-store';
import type { TokenStore } from './token-store';

/** The state shared by the emulator's route modules. */
export interface EmulatorContext {
  readonly options: ResolvedEmulatorOptions;
  readonly org: SeededOrg;
  readonly presence: PresenceStore;
  readonly tokens: TokenStore;
  readonly faults: FaultState;
  readonly counters: CallCounters;
  /** `http://127.0.0.1:<port>`, known once listening. */
  baseUrl: string;
}
