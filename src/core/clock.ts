/** Server clocks, signers' clocks and block times drift; comparisons between them allow this much. */
export const CLOCK_TOLERANCE_S = 60;
