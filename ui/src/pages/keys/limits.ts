import { formatAmount } from '../../lib/format'
import type { CreditPeriod, KeyLimits } from '../../lib/types'

export const PERIOD_LABELS: Record<CreditPeriod, string> = { total: 'in all', day: 'per day (UTC)', month: 'per month (UTC)' }
const PERIOD_SHORT: Record<CreditPeriod, string> = { total: ' in all', day: '/day', month: '/month' }

/** The limits as typed into the form: numbers as text, empty for unlimited. */
export interface LimitInputs {
  creditLimit: string
  creditPeriod: CreditPeriod
  perAppCreditLimit: string
  rpm: string
  tpm: string
  maxConcurrent: string
}

export function limitInputs (limits: KeyLimits): LimitInputs {
  const text = (value: number | null): string => value === null ? '' : String(value)
  return {
    creditLimit: text(limits.creditLimit), creditPeriod: limits.creditPeriod, perAppCreditLimit: text(limits.perAppCreditLimit),
    rpm: text(limits.rpm), tpm: text(limits.tpm), maxConcurrent: text(limits.maxConcurrent)
  }
}

/** The typed limits as the API takes them, or the message saying which one is wrong. */
export function parseLimits (inputs: LimitInputs): KeyLimits | string {
  const creditLimit = parseNumber(inputs.creditLimit, false, 0)
  if (creditLimit === undefined) return 'The credit limit must be a number of at least 0, or empty for no limit.'
  const perAppCreditLimit = parseNumber(inputs.perAppCreditLimit, false, 0)
  if (perAppCreditLimit === undefined) return 'The credit limit per app must be a number of at least 0, or empty for no limit.'
  const rpm = parseNumber(inputs.rpm, true, 1)
  if (rpm === undefined) return 'Requests per minute must be a whole number of at least 1, or empty for no limit.'
  const tpm = parseNumber(inputs.tpm, true, 1)
  if (tpm === undefined) return 'Tokens per minute must be a whole number of at least 1, or empty for no limit.'
  const maxConcurrent = parseNumber(inputs.maxConcurrent, true, 1)
  if (maxConcurrent === undefined) return 'Calls at once must be a whole number of at least 1, or empty for no limit.'
  return { creditLimit, creditPeriod: inputs.creditPeriod, perAppCreditLimit, rpm, tpm, maxConcurrent }
}

/** null for an empty field, undefined for one that is not an acceptable number. */
function parseNumber (text: string, whole: boolean, min: number): number | null | undefined {
  const trimmed = text.trim().replace(/[\s_]/g, '')
  if (trimmed === '') return null
  const value = Number(trimmed)
  if (!Number.isFinite(value) || value < min || (whole && !Number.isInteger(value))) return undefined
  return value
}

/** "5 credits/day · 60 rpm · 10,000 tpm · 4 at once", or "none". */
export function describeLimits (limits: KeyLimits): string {
  const parts: string[] = []
  if (limits.creditLimit !== null) parts.push(`${formatAmount(limits.creditLimit)} credits${PERIOD_SHORT[limits.creditPeriod]}`)
  if (limits.perAppCreditLimit !== null) parts.push(`${formatAmount(limits.perAppCreditLimit)} credits${PERIOD_SHORT[limits.creditPeriod]} per app`)
  if (limits.rpm !== null) parts.push(`${formatAmount(limits.rpm)} rpm`)
  if (limits.tpm !== null) parts.push(`${formatAmount(limits.tpm)} tpm`)
  if (limits.maxConcurrent !== null) parts.push(`${formatAmount(limits.maxConcurrent)} at once`)
  return parts.length === 0 ? 'none' : parts.join(' · ')
}
