import { sveltekit } from '@sveltejs/kit/vite'
import tailwindcss from '@tailwindcss/vite'
import { defineConfig } from 'vite'
import { messages } from '../scripts/i18n.mjs'

export default defineConfig({
  plugins: [messages(), tailwindcss(), sveltekit()],
  server: {
    allowedHosts: ['.localhost'],
    proxy: { '/api': { target: 'http://127.0.0.1:8787', ws: true } },
  },
})
