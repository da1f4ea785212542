/**
 * `tekton-budget/client`: the typed SDK. The one barrel file of the package.
 */
export { BudgetClient, type BudgetClientOptions, type UsageSummaryQueryInput } from './client.js'
export type { BudgetService, ServiceMethod } from './service.js'
export { withBudget } from './wrappers/with-budget.js'
export { budgetMiddleware, type BudgetMiddleware, type BudgetMiddlewareOptions, type ResolvedModel } from './wrappers/ai-sdk.js'
export { BudgetExceededError } from './wrappers/budget-exceeded.js'
export type { BudgetWrapperOptions } from './wrappers/guard.js'
export type { TokenCounter, TokenCounting } from './wrappers/token-count.js'
export { ALL_TOPICS, type LiveEvent, LiveEvents, type LiveEventsOptions, type LiveTopic, liveUrl, type ServerMessage } from './ws.js'
export type { Alert, AlertPage, AlertQuery, AlertSeverity, AlertType } from '../domain/alert.js'
export type { Channel, ChannelInput, ChannelKind, ChannelTestResult, CreatedChannel, Delivery, DeliveryPage } from '../domain/channel.js'
export { BudgetError, ERROR_STATUS, type ErrorCode } from '../domain/errors.js'
export type { ApiKey, ApiKeyInput, CreatedApiKey, Role } from '../domain/api-key.js'
export type { Budget, BudgetInput, BudgetUpdate } from '../domain/budget.js'
export type { CheckAction, CheckDecision, CheckRequest, PolicyHeadroom } from '../domain/check.js'
export type { Policy, PolicyInput, PolicyType, PolicyUpdate } from '../domain/policy.js'
export type { CostRequest, CostResult, ModelPrice, PriceQuery } from '../domain/price.js'
export type { ModelOption, RecommendationRequest, Recommendations, RouteDecision, RouteRequest } from '../domain/recommendation.js'
export type {
  ActivityQuery,
  ActivityReport,
  BudgetsReport,
  ExportFormat,
  FlatReportRow,
  ForecastReport,
  Granularity,
  OutlookQuery,
  PolicyOutlook,
  ReportDimension,
  TopReport,
  TopReportQuery,
  UsageReport,
  UsageReportQuery,
} from '../domain/report.js'
export type { Reservation, ReservationQuery, ReservationStatus } from '../domain/reservation.js'
export type { BudgetSummary, PolicyStatus, PolicyWindowUsage, SummaryQuery } from '../domain/summary.js'
export type { BatchResult, GroupKey, UsageInput, UsagePage, UsageQuery, UsageRecord, UsageSummary, UsageSummaryQuery, UsageTotals } from '../domain/usage.js'
