// The UI locale and its strings, handed down the component tree.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { type Locale, pickLocale, type Strings, stringsFor } from './i18n.js';

export interface I18n {
  readonly locale: Locale;
  readonly t: Strings;
}

export function browserI18n(): I18n {
  const locale = pickLocale(navigator.languages.length > 0 ? navigator.languages : [navigator.language]);
  return { locale, t: stringsFor(locale) };
}

export const I18nContext = createContext<I18n>({ locale: 'en', t: stringsFor('en') });

export function useI18n(): I18n {
  return useContext(I18nContext);
}
