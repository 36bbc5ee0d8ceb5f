import { defineConfig, type Plugin } from 'vitest/config';
import preact from '@preact/preset-vite';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * public/sw.js is copied verbatim by Vite; after the build we write the list of built
 * files (the app shell and its hashed assets) into it so the service worker can precache
 * them on install, and a version derived from that list so a new build replaces old caches.
 */
function serviceWorkerManifest(): Plugin {
  let outDir = 'dist';
  return {
    name: 'gyoryu-sw-manifest',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    writeBundle(_options, bundle) {
      const swPath = join(outDir, 'sw.js');
      if (!existsSync(swPath)) return;
      const files = Object.keys(bundle)
        .filter((f) => f !== 'sw.js' && !f.endsWith('.map') && f !== 'index.html')
        .map((f) => '/' + f);
      // Files copied from public/ (favicon...) are not in the bundle: add them too.
      for (const f of readdirSync(outDir)) {
        if (f !== 'sw.js' && f !== 'index.html' && statSync(join(outDir, f)).isFile() && !files.includes('/' + f)) files.push('/' + f);
      }
      files.sort();
      const version = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 12);
      const src = readFileSync(swPath, 'utf8')
        .replace('/*__PRECACHE__*/[]', JSON.stringify(files))
        .replace('__BUILD_VERSION__', version);
      writeFileSync(swPath, src);
    },
  };
}

export default defineConfig({
  plugins: [preact(), serviceWorkerManifest()],
  build: {
    outDir: 'dist',
    target: 'es2020',
    sourcemap: false,
  },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8000', ws: true },
    },
  },
  test: {
    environment: 'node',
    include: ['tests/**/*.test.ts'],
  },
});
