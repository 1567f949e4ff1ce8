import type { Migration, MigrationProvider } from 'kysely'
import * as initial from './001-initial.js'
import * as providers from './002-providers.js'
import * as usage from './003-usage.js'
import * as models from './004-models.js'
import * as keyLimits from './005-key-limits.js'
import * as providerCredentials from './006-provider-credentials.js'
import * as adminSessions from './007-admin-sessions.js'
import * as catalogRates from './008-catalog-rates.js'
import * as keyConcurrency from './010-key-concurrency.js'
import * as keyCreator from './011-key-creator.js'
import * as modelAliases from './012-model-aliases.js'
import * as responses from './013-responses.js'
import * as costDetail from './014-cost-detail.js'
import * as connectSessions from './015-connect-sessions.js'
import * as usageApp from './016-usage-app.js'
import * as mediaUsage from './017-media-usage.js'
import * as providerPriceList from './018-provider-price-list.js'

/** Migrations are listed in code (not read from disk) so the same set runs from sources, dist/ and the container. */
const migrations: Record<string, Migration> = {
  '001-initial': initial,
  '002-providers': providers,
  '003-usage': usage,
  '004-models': models,
  '005-key-limits': keyLimits,
  '006-provider-credentials': providerCredentials,
  '007-admin-sessions': adminSessions,
  '008-catalog-rates': catalogRates,
  '010-key-concurrency': keyConcurrency,
  '011-key-creator': keyCreator,
  '012-model-aliases': modelAliases,
  '013-responses': responses,
  '014-cost-detail': costDetail,
  '015-connect-sessions': connectSessions,
  '016-usage-app': usageApp,
  '017-media-usage': mediaUsage,
  '018-provider-price-list': providerPriceList
}

export const migrationProvider: MigrationProvider = {
  async getMigrations () { return migrations }
}
