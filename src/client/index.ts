/**
 * `tekton-budget/client`: the typed SDK. The one barrel file of the package.
 */
export { BudgetClient, type BudgetClientOptions, type UsageSummaryQueryInput } from './client.js'
export type { BudgetService, ServiceMethod } from './service.js'
export { BudgetError, ERROR_STATUS, type ErrorCode } from '../domain/errors.js'
export type { ApiKey, ApiKeyInput, CreatedApiKey, Role } from '../domain/api-key.js'
export type { Budget, BudgetInput, BudgetUpdate } from '../domain/budget.js'
export type { CheckAction, CheckDecision, CheckRequest, PolicyHeadroom } from '../domain/check.js'
export type { Policy, PolicyInput, PolicyType, PolicyUpdate } from '../domain/policy.js'
export type { CostRequest, CostResult, ModelPrice, PriceQuery } from '../domain/price.js'
export type { Reservation, ReservationQuery, ReservationStatus } from '../domain/reservation.js'
export type { BudgetSummary, PolicyStatus, PolicyWindowUsage, SummaryQuery } from '../domain/summary.js'
export type { BatchResult, GroupKey, UsageInput, UsagePage, UsageQuery, UsageRecord, UsageSummary, UsageSummaryQuery, UsageTotals } from '../domain/usage.js'
