import type { en } from './en';

export type MessageKey = keyof typeof en;
/** Every catalog must have every key (tsc enforces it; tests/i18n.test.ts double-checks). */
export type Catalog = Record<MessageKey, string>;
