import type { Language } from '@complaints/shared';
import { en } from './en';
import { zh, ZH_FIELD_MESSAGES, type PageStrings } from './zh';

export type { PageStrings };

/** The pages' words by language: Chinese by default, English on request (?lang=en). */
export const STRINGS: Record<Language, PageStrings> = { zh, en };

/** A field message in Chinese, also when it starts with a file's name (`photo.jpg: only …`). */
export function inChinese(message: string): string {
  if (ZH_FIELD_MESSAGES[message]) return ZH_FIELD_MESSAGES[message];
  const split = message.indexOf(': ');
  const rest = split > 0 ? ZH_FIELD_MESSAGES[message.slice(split + 2)] : undefined;
  return rest ? `${message.slice(0, split)}：${rest}` : message;
}
