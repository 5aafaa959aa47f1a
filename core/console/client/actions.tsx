import { useEffect, useState } from 'preact/hooks';

export interface ActionHandlers {
  take(): Promise<unknown>;
  handBack(mode: 'resume' | 'restart'): Promise<unknown>;
  close(): Promise<unknown>;
  reopen(): Promise<unknown>;
}

/** Take, hand back (resume or restart), close, reopen: each enabled only when the conversation's status and owner allow it. */
export function Actions({ can, run }: { can: { take: boolean; handBack: boolean; close: boolean; reopen: boolean }; run: ActionHandlers }) {
  const [menu, setMenu] = useState(false);
  // An open menu closes on the next click anywhere, or Escape.
  useEffect(() => {
    if (!menu) return;
    const close = (e: Event) => (e.type === 'click' || (e as KeyboardEvent).key === 'Escape') && setMenu(false);
    document.addEventListener('click', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('click', close);
      document.removeEventListener('keydown', close);
    };
  }, [menu]);
  const handBack = (mode: 'resume' | 'restart') => {
    setMenu(false);
    void run.handBack(mode);
  };
  return (
    <div class="actions">
      <button type="button" class="primary" disabled={!can.take} onClick={() => void run.take()}>
        Take
      </button>
      <span class="menu-holder">
        <button type="button" disabled={!can.handBack} aria-haspopup="menu" aria-expanded={menu} onClick={() => setMenu(!menu)}>
          Hand back to bot
        </button>
        {menu && can.handBack ? (
          <span class="menu" role="menu">
            <button type="button" role="menuitem" onClick={() => handBack('resume')}>
              Resume where it handed off
            </button>
            <button type="button" role="menuitem" onClick={() => handBack('restart')}>
              Restart the flow
            </button>
          </span>
        ) : null}
      </span>
      <button type="button" disabled={!can.close} onClick={() => void run.close()}>
        Close
      </button>
      <button type="button" disabled={!can.reopen} onClick={() => void run.reopen()}>
        Reopen
      </button>
    </div>
  );
}
