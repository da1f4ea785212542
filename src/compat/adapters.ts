/**
 * The compatibility adapters one service runs: Apollo's allocations and Rhetor's budget
 * manager over one engine, made once per app so that their budgets are looked up once.
 */
import type { BudgetEngine } from '../engine/engine.js'
import { ApolloBudget } from './apollo/token-budget.js'
import { RhetorBudget, type RhetorEnvSettings } from './rhetor/budget-manager.js'
import type { Adapters } from './tekton/handlers.js'

export function createAdapters(engine: BudgetEngine, rhetor: RhetorEnvSettings = {}): Adapters {
  return { engine, apollo: new ApolloBudget(engine), rhetor: new RhetorBudget(engine, rhetor) }
}
