// clodo/orchestration: see orchestration.cjs.
export {}
