// clodo/database: see database.cjs.
import native from '../index.js'

export const { DatabaseOrchestrator } = native
