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

export function ActionsMenu({ label, items, class: className }: ActionsMenuProps) {
  const [open, setOpen] = useState(false);
  // Opens upwards when there is no room below (the last message of a log): clipped items are unreachable.
  const [upwards, setUpwards] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  const itemButtons = (): HTMLButtonElement[] => Array.from(menu.current?.querySelectorAll('button') ?? []);

  useLayoutEffect(() => {
    const list = menu.current;
    const anchor = button.current;
    if (!open || list === null || anchor === null) {
      setUpwards(false);
      return;
    }
    const box = clippingBox(list);
    const below = box.bottom - anchor.getBoundingClientRect().bottom;
    const above = anchor.getBoundingClientRect().top - box.top;
    const height = list.getBoundingClientRect().height;
    const up = height > below && above > below;
    setUpwards(up);
    // Still not all in view (a short log): bring it in, as a platform menu would be.
    if (height > (up ? above : below)) list.scrollIntoView({ block: 'nearest' });
  }, [open]);

  useLayoutEffect(() => {
    if (open) itemButtons()[0]?.focus();
  }, [open]);

  useEffect(() => {
    if (!open) return;
    // A click anywhere else closes the menu, as platform menus do.
    const onDown = (event: PointerEvent): void => {
      const target = event.target;
      if (target instanceof Node && (menu.current?.contains(target) || button.current?.contains(target)))
        return;
      setOpen(false);
    };
    document.addEventListener('pointerdown', onDown);
    return () => document.removeEventListener('pointerdown', onDown);
  }, [open]);

  const close = (refocus: boolean): void => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };

  const onMenuKey = (event: KeyboardEvent): void => {
    const buttons = itemButtons();
    const index = buttons.findIndex((b) => b === document.activeElement);
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
          class={upwards ? 'menu upwards' : 'menu'}
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
