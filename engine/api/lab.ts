// The strategy lab's part of the contract (issue 5): request channels with their zod schemas,
// their result types and the lab's events. The host's lab service serves these channels (the
// engine does not: backtests run in worker threads beside it); contract.ts merges them in.
import { z } from 'zod';

export const labRequestSchemas = {} satisfies Record<`lab:${string}`, z.ZodType>;

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface LabResultTypes {}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface LabEventTypes {}

export const LAB_EVENT_NAMES: (keyof LabEventTypes)[] = [];
