import { describe, expect, it } from 'vitest';
import { serverHtml } from '../src/lib/serverHtml';

describe('serverHtml', () => {
  it('turns the alignment style of cells rendered before 2026-11-30 into the class the server writes now', () => {
    const old = '<table><tr><th style="text-align:left">도시</th><td style="text-align:right">2026</td></tr></table>';
    expect(serverHtml(old).__html).toBe('<table><tr><th class="align-left">도시</th><td class="align-right">2026</td></tr></table>');
  });

  it('leaves everything else as the server sent it', () => {
    const html = '<p>style="text-align:left" is only text here</p><td class="align-center">x</td>';
    expect(serverHtml(html).__html).toBe(html);
  });
});
