import { describe, expect, it } from 'vitest';
import type { GlossaryTerm } from '../src/api/directory';
import { changed, fieldErrors, onTopOf } from '../src/data/editForm';
import {
  emptyGlossaryDraft,
  glossaryCreateBody,
  glossaryDraftOf,
  glossaryFieldOf,
  glossaryPatch,
  searchAfterAdding,
  searchFinds,
  validateGlossaryTerm,
} from '../src/data/glossaryEdit';

const term = (over: Partial<GlossaryTerm> = {}): GlossaryTerm => ({
  id: 11,
  terms: { ko: '공동위원회', 'zh-Hans': '联合委员会' },
  note: '',
  sector_id: 2,
  version: 1,
  ...over,
});

describe('glossary terms', () => {
  it('reads the term into one input per language, empty where it has none', () => {
    expect(glossaryDraftOf(term())).toEqual({ ko: '공동위원회', 'zh-Hans': '联合委员会', en: '', sector_id: 2, note: '' });
  });

  it('sends the terms whole (trimmed, empty ones left out) when one of them changed', () => {
    const base = term();
    expect(glossaryPatch(base, { ...glossaryDraftOf(base), en: ' joint committee ' })).toEqual({
      terms: { ko: '공동위원회', 'zh-Hans': '联合委员会', en: 'joint committee' },
    });
    expect(glossaryPatch(base, { ...glossaryDraftOf(base), note: ' since 1995 ' })).toEqual({ note: 'since 1995' });
  });

  it('takes a term out of its sector with null', () => {
    const base = term();
    expect(glossaryPatch(base, { ...glossaryDraftOf(base), sector_id: null })).toEqual({ sector_id: null });
  });

  it('needs the term in at least two languages, marking the empty ones', () => {
    const base = term();
    expect(validateGlossaryTerm({ ...glossaryDraftOf(base), 'zh-Hans': ' ' }, base)).toEqual({ 'zh-Hans': 'dir.edit.twoLanguages', en: 'dir.edit.twoLanguages' });
    expect(validateGlossaryTerm({ ...glossaryDraftOf(base), 'zh-Hans': '', en: 'joint committee' }, base)).toEqual({});
  });

  it('says so when nothing changed (spaces do not count)', () => {
    const base = term();
    expect(validateGlossaryTerm({ ...glossaryDraftOf(base), ko: ' 공동위원회 ' }, base)).toEqual({ form: 'dir.edit.nothingChanged' });
  });

  it("reapplies the user's note on top of someone else's newer terms", () => {
    const opened = term();
    const mine = changed(glossaryDraftOf(opened), { ...glossaryDraftOf(opened), note: 'MOU' });
    const latest = term({ version: 2, terms: { ko: '공동위원회', en: 'joint committee' } });
    expect(glossaryPatch(latest, onTopOf(glossaryDraftOf(latest), mine))).toEqual({ note: 'MOU' });
  });

  it("puts the server's errors next to the language, sector and note they concern", () => {
    const out = fieldErrors(
      [
        { field: 'terms.zh-Hans', message: 'too long' },
        { field: 'sector_id', message: 'No sector 99.' },
        { field: 'terms', message: 'two languages' },
      ],
      glossaryFieldOf,
    );
    expect(out.fields).toEqual({ 'zh-Hans': 'too long', sector_id: 'No sector 99.' });
    expect(out.other).toEqual(['terms: two languages']);
  });
});

describe('adding glossary terms', () => {
  it('needs a new term in two languages, marking the empty ones; nothing else is checked before sending', () => {
    expect(validateGlossaryTerm(emptyGlossaryDraft(), null)).toEqual({ ko: 'dir.edit.twoLanguages', 'zh-Hans': 'dir.edit.twoLanguages', en: 'dir.edit.twoLanguages' });
    expect(validateGlossaryTerm({ ...emptyGlossaryDraft(), ko: '교류', en: 'x'.repeat(201) }, null)).toEqual({});
  });

  it('builds the POST body: trimmed terms, empty ones left out, the note and the sector', () => {
    const draft = { ...emptyGlossaryDraft(), ko: ' 실무협의 ', 'zh-Hans': '工作磋商', note: ' working level ', sector_id: 3 };
    expect(glossaryCreateBody(draft)).toEqual({ terms: { ko: '실무협의', 'zh-Hans': '工作磋商' }, note: 'working level', sector_id: 3 });
    expect(glossaryCreateBody({ ...emptyGlossaryDraft(), ko: '교류', en: 'exchange' })).toEqual({ terms: { ko: '교류', en: 'exchange' }, note: '', sector_id: null });
  });

  it('finds a term as the server search does: any language, case aside, empty finds all', () => {
    const terms = { ko: '공동위원회', 'zh-Hans': '联合委员会', en: 'Joint Committee' };
    expect(searchFinds('', terms)).toBe(true);
    expect(searchFinds(' joint ', terms)).toBe(true);
    expect(searchFinds('委员', terms)).toBe(true);
    expect(searchFinds('위원', terms)).toBe(true);
    expect(searchFinds('delegation', terms)).toBe(false);
  });

  it('keeps a search that lists the new term, else searches for the term in the language shown', () => {
    const added = term({ id: 12, terms: { ko: '실무협의', 'zh-Hans': '工作磋商' } });
    expect(searchAfterAdding('', added, 'en')).toBe('');
    expect(searchAfterAdding('협의', added, 'en')).toBe('협의');
    expect(searchAfterAdding('delegation', added, 'zh-Hans')).toBe('工作磋商');
    // Not in the language shown: its first language (Korean).
    expect(searchAfterAdding('delegation', added, 'en')).toBe('실무협의');
  });
});
