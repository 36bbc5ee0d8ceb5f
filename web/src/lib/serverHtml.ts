/**
 * HTML the server rendered and sanitized (server/discussion/markdown.py), ready to insert.
 *
 * Table cells rendered before 2026-11-30 carry their alignment as `style="text-align:…"`, the
 * only style the server's sanitizer ever kept. The page's Content-Security-Policy refuses
 * inline styles, so that attribute becomes the class the server writes now (`align-…`).
 * Nothing else is changed: HTML is never built on the client.
 */
const LEGACY_ALIGNMENT = / style="text-align:(left|right|center)"/g;

export function serverHtml(html: string): { __html: string } {
  return { __html: html.includes('style="text-align:') ? html.replace(LEGACY_ALIGNMENT, ' class="align-$1"') : html };
}
