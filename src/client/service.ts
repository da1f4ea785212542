/**
 * The operations a caller of Tekton Budget sees, whether it holds the engine in process or
 * talks to a server: the CLI and other surfaces program against this, and both
 * `BudgetEngine` and `BudgetClient` satisfy it.
 *
 * Derived from the engine, never written out: names, parameters and results are the
 * engine's.
 */
import type { BudgetEngine } from '../engine/engine.js'

export type ServiceMethod =
  | 'createBudget'
  | 'getBudget'
  | 'listBudgets'
  | 'updateBudget'
  | 'deleteBudget'
  | 'summary'
  | 'createPolicy'
  | 'getPolicy'
  | 'listPolicies'
  | 'updatePolicy'
  | 'deletePolicy'
  | 'check'
  | 'release'
  | 'getReservation'
  | 'listReservations'
  | 'recordUsage'
  | 'recordBatch'
  | 'getUsage'
  | 'listUsage'
  | 'usageSummary'
  | 'calculateCost'
  | 'currentPrices'
  | 'createKey'
  | 'listKeys'
  | 'revokeKey'

export type BudgetService = Pick<BudgetEngine, ServiceMethod>
