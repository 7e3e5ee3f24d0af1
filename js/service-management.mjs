// clodo/service-management: see service-management.cjs.
import native from '../index.js'

export const { ServiceCreator, createService } = native
