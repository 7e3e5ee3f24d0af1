// clodo/database: see database.cjs.
export {}
