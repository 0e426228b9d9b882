// Long lists on a screen the user switches to render their first rows in the commit that mounts
// them (a short frame after the click) and the rest in a deferred render. The first commit is what
// the server renderer produces; the deferred render to the whole list is checked in Chromium
// (supervisor.spec: the "Orders & audit" screen shows every audit record it counts).
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { FIRST_ROWS, useProgressiveCount } from '../../../renderer/hooks/useProgressiveCount';

function Rows(props: { total: number; first?: number }) {
  const n = useProgressiveCount(props.total, props.first);
  return <ol>{Array.from({ length: n }, (_, i) => <li key={i} />)}</ol>;
}
const rows = (html: string): number => html.split('<li>').length - 1;

describe('useProgressiveCount', () => {
  it('mounts a long list with its first FIRST_ROWS rows', () => {
    expect(rows(renderToString(<Rows total={500} />))).toBe(FIRST_ROWS);
    expect(rows(renderToString(<Rows total={500} first={7} />))).toBe(7);
  });

  it('mounts a short list whole', () => {
    expect(rows(renderToString(<Rows total={3} />))).toBe(3);
    expect(rows(renderToString(<Rows total={0} />))).toBe(0);
  });
});
