// A menu button (WAI-ARIA menu pattern): the button names the menu, Enter/Space/ArrowDown open it on the
// first item, arrows move, Escape or Tab closes and focus returns to the button. Knows no chat.
import { useEffect, useRef, useState } from 'preact/hooks';

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

export function ActionsMenu({ label, items, class: className }: ActionsMenuProps) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  const itemButtons = (): HTMLButtonElement[] => Array.from(menu.current?.querySelectorAll('button') ?? []);

  useEffect(() => {
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
        <div class="menu" role="menu" aria-label={label} ref={menu} onKeyDown={onMenuKey}>
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
