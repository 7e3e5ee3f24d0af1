// clodo/deployment: see deployment.cjs.
export {}
