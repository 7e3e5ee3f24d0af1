// clodo/orchestration: see orchestration.cjs.
import native from '../index.js'

export const { MultiDomainOrchestrator, CrossDomainCoordinator } = native
