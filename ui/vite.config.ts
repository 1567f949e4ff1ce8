import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

const here = fileURLToPath(new URL('.', import.meta.url))

// The gateway serves the build under /admin (plugins/app/admin-ui.ts) with a strict CSP: Vite emits only
// external, hashed scripts and styles, so nothing inline needs to be allowed.
export default defineConfig({
  root: here,
  base: '/admin/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // the chart library is its own lazily loaded chunk
    chunkSizeWarningLimit: 600
  },
  server: {
    // `npm --prefix ui run dev` next to a running gateway: the API calls go to it
    proxy: { '/api': 'http://127.0.0.1:3000', '/health': 'http://127.0.0.1:3000' }
  }
})
