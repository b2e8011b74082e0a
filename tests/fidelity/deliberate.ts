/**
 * Differences between the simulated and the real kernel that are kept on purpose. Each names its
 * scenario, says what differs and why, and asserts the difference itself (`holds`), so the entry
 * fails — and must be removed — the day the simulator starts answering like Linux.
 */
import type { NormalisedRun } from './harness.ts';

/** One documented difference. */
export interface Deliberate {
  /** The scenario number (the NN of tests/fidelity/scenarios/NN-name.ts). */
  scenario: number;
  /** What differs, in one sentence. */
  what: string;
  /** Why the simulator keeps the difference. */
  why: string;
  /** True when the two runs differ exactly as documented. */
  holds(real: NormalisedRun, sim: NormalisedRun): boolean;
}

/** Every documented difference. */
export const DELIBERATE: Deliberate[] = [];

/** The documented difference of a scenario, if any. */
export const deliberateFor = (id: number): Deliberate | undefined => DELIBERATE.find((d) => d.scenario === id);
