import { sveltekit } from '@sveltejs/kit/vite'
import tailwindcss from '@tailwindcss/vite'
import { defineConfig } from 'vite'

export default defineConfig({
  plugins: [tailwindcss(), sveltekit()],
  server: {
    allowedHosts: ['.localhost'],
    proxy: { '/api': { target: 'http://127.0.0.1:8787', ws: true } },
  },
})
