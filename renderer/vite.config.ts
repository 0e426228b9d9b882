// Builds the renderer into dist/renderer. `base: './'` because Electron loads the page from a
// file URL and the headless host serves it from its root: every asset path must be relative.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const rendererRoot = import.meta.dirname;

export default defineConfig({
  root: rendererRoot,
  base: './',
  plugins: [react()],
  build: {
    // relative to root (renderer/); no node: import here, the renderer's lint rules cover this file too
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // the page runs in Chromium (Electron or a current browser) only
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    host: '127.0.0.1',
  },
});
