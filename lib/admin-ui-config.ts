import { Type } from '@sinclair/typebox'

/** Settings of the admin web UI (plugins/app/admin-ui.ts), spread into the config schema. */
export const AdminUiSettings = {
  ADMIN_UI_DIR: Type.Optional(Type.String({ minLength: 1, description: 'Directory of the built admin UI (default: dist/ui)' }))
}
