// A menu button (WAI-ARIA menu pattern): the button names the menu, Enter/Space/ArrowDown open it on the
// first item, arrows move, Escape or Tab closes and focus returns to the button. Knows no chat.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

export interface MenuItem {
  readonly key: string;
  readonly label: string;
  readonly onSelect: () => void;
}

export interface ActionsMenuProps {
  /** The accessible name of the button, e.g. "Message actions". */
  readonly label: string;
  readonly items: readonly MenuItem[];
  readonly class?: string;
}

/** Where an open menu sits in the viewport (fixed, so no scrolling list or panel can clip it). */
interface MenuPlace {
  readonly top?: number;
  readonly bottom?: number;
  readonly right: number;
  readonly maxHeight: number;
}

/** The box that clips `element`: its nearest scrolling ancestor, or the viewport. */
function clippingBox(element: HTMLElement): { top: number; bottom: number } {
  for (let node = element.parentElement; node !== null; node = node.parentElement) {
    const overflow = getComputedStyle(node).overflowY;
    if (overflow === 'auto' || overflow === 'scroll' || overflow === 'hidden') {
      const box = node.getBoundingClientRect();
      return { top: box.top, bottom: box.bottom };
    }
  }
  return { top: 0, bottom: window.innerHeight };
}

/**
 * Below the button when the menu fits inside the list the button scrolls in (so it covers only that
 * list), else above it; when it fits in neither, wherever it fits on screen, else on the roomier side
 * with a scrolling menu. Never off-screen.
 */
function placeMenu(anchor: HTMLElement, menuHeight: number): MenuPlace {
  const margin = 4;
  const at = anchor.getBoundingClientRect();
  const list = clippingBox(anchor);
  const right = Math.max(margin, window.innerWidth - at.right);
  const below = window.innerHeight - at.bottom - margin;
  const above = at.top - margin;
  const down: MenuPlace = { top: at.bottom, right, maxHeight: below };
  const up: MenuPlace = { bottom: window.innerHeight - at.top, right, maxHeight: above };
  if (menuHeight <= list.bottom - at.bottom) return down;
  if (menuHeight <= at.top - list.top) return up;
  if (menuHeight <= below) return down;
  if (menuHeight <= above) return up;
  return below >= above ? down : up;
}

export function ActionsMenu({ label, items, class: className }: ActionsMenuProps) {
  const [open, setOpen] = useState(false);
  // Fixed to the viewport beside its button: inside a scrolling list (the member list, the log) an
  // absolutely placed menu was clipped by the list, leaving items of the last row unreachable.
  const [place, setPlace] = useState<MenuPlace | undefined>(undefined);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  const itemButtons = (): HTMLButtonElement[] => Array.from(menu.current?.querySelectorAll('button') ?? []);

  useLayoutEffect(() => {
    const list = menu.current;
    const anchor = button.current;
    if (!open || list === null || anchor === null) {
      setPlace(undefined);
      return;
    }
    setPlace(placeMenu(anchor, list.scrollHeight));
  }, [open]);

  // Once placed: a hidden element cannot take focus.
  const placed = place !== undefined;
  useLayoutEffect(() => {
    if (open && placed) itemButtons()[0]?.focus();
  }, [open, placed]);

  useEffect(() => {
    if (!open) return;
    // A click anywhere else closes the menu, as platform menus do.
    const onDown = (event: PointerEvent): void => {
      const target = event.target;
      if (target instanceof Node && (menu.current?.contains(target) || button.current?.contains(target)))
        return;
      setOpen(false);
    };
    // A fixed menu would stay behind while its button moves (the log settling, older history loading
    // above, a resize): it follows the button while the button stays in view, and closes once the button
    // leaves its list, as platform menus do. Closing on every scroll closed menus the person had just
    // opened while the log was still settling. Scrolling inside the menu itself is not a reason.
    const onMove = (event: Event): void => {
      const target = event.target;
      if (target instanceof Node && menu.current?.contains(target)) return;
      const anchor = button.current;
      const list = menu.current;
      if (anchor === null || list === null) {
        setOpen(false);
        return;
      }
      const at = anchor.getBoundingClientRect();
      const box = clippingBox(anchor);
      if (at.height === 0 || at.bottom <= box.top || at.top >= box.bottom) {
        setOpen(false);
        return;
      }
      setPlace(placeMenu(anchor, list.scrollHeight));
    };
    document.addEventListener('pointerdown', onDown);
    document.addEventListener('scroll', onMove, true);
    window.addEventListener('resize', onMove);
    return () => {
      document.removeEventListener('pointerdown', onDown);
      document.removeEventListener('scroll', onMove, true);
      window.removeEventListener('resize', onMove);
    };
  }, [open]);

  const close = (refocus: boolean): void => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };

  const onMenuKey = (event: KeyboardEvent): void => {
    const buttons = itemButtons();
    const active = document.activeElement;
    const index = active instanceof HTMLButtonElement ? buttons.indexOf(active) : -1;
    const focusAt = (i: number): void => buttons[(i + buttons.length) % buttons.length]?.focus();
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        focusAt(index + 1);
        break;
      case 'ArrowUp':
        event.preventDefault();
        focusAt(index - 1);
        break;
      case 'Home':
        event.preventDefault();
        focusAt(0);
        break;
      case 'End':
        event.preventDefault();
        focusAt(buttons.length - 1);
        break;
      case 'Escape':
        event.preventDefault();
        close(true);
        break;
      case 'Tab':
        close(false);
        break;
      default:
        break;
    }
  };

  if (items.length === 0) return null;
  return (
    <span class={className === undefined ? 'menu-wrap' : `menu-wrap ${className}`}>
      <button
        type="button"
        class="menu-button"
        ref={button}
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open ? 'true' : 'false'}
        onClick={() => setOpen((value) => !value)}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' && !open) {
            event.preventDefault();
            setOpen(true);
          }
        }}
      >
        <span aria-hidden="true">⋯</span>
      </button>
      {open ? (
        <div
          class="menu"
          style={
            place === undefined
              ? { visibility: 'hidden' }
              : {
                  top: place.top === undefined ? 'auto' : `${place.top}px`,
                  bottom: place.bottom === undefined ? 'auto' : `${place.bottom}px`,
                  right: `${place.right}px`,
                  maxHeight: `${place.maxHeight}px`,
                }
          }
          role="menu"
          aria-label={label}
          ref={menu}
          onKeyDown={onMenuKey}
        >
          {items.map((item) => (
            <button
              key={item.key}
              type="button"
              role="menuitem"
              tabIndex={-1}
              onClick={() => {
                close(false);
                item.onSelect();
              }}
            >
              {item.label}
            </button>
          ))}
        </div>
      ) : null}
    </span>
  );
}
