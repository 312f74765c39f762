/**
 * State names of the switching and dispatch flows. The stacks name their states with these, and the local platform
 * binds its handlers by the same names (see functions/switching/steps.ts and functions/optimizer/steps.ts).
 */
export const SWITCH_STATES = {
  acquireLock: 'AcquireSiteLock',
  drain: 'DrainInterruptibleWork',
  prepare: 'PrepareCommand',
  publish: 'PublishCommandAndWaitForAck',
  resync: 'ResyncSequence',
  commit: 'CommitSwitch',
  release: 'ReleaseSiteLock',
  compensate: 'Compensate',
  releaseAfterFailure: 'ReleaseSiteLockAfterFailure',
  switched: 'Switched',
  siteBusy: 'SiteBusy',
  notStarted: 'SwitchNotStarted',
  failed: 'SwitchFailed',
} as const;

export const OPTIMIZE_STATES = {
  prepare: 'PrepareDispatch',
  firstRound: 'FirstRound',
  solveSites: 'SolveSites',
  solveBatch: 'SolveSiteBatch',
  coordinate: 'CoordinateSites',
  roundDone: 'SitesCoordinated',
  persist: 'PersistPlan',
  switchSites: 'SwitchChangedSites',
  startSwitch: 'StartSiteSwitch',
  noChange: 'NoSiteChanged',
  dispatched: 'Dispatched',
  conflict: 'PlanVersionConflict',
} as const;

/** Errors the switching steps raise by name; the ASL Retry/Catch match them. */
export const SWITCH_ERRORS = {
  lockHeld: 'SiteLockHeld',
  planMissing: 'PlanVersionMissing',
  invalidInput: 'InvalidInput',
  ackMismatch: 'AckMismatch',
  resyncExhausted: 'ResyncExhausted',
} as const;
