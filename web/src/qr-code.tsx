// A QR code drawn as SVG rectangles from uqr's module matrix, entirely in the browser: nothing is sent
// anywhere and nothing needs more than the page's own CSP (no inline script, style or data: image).
import { encode } from 'uqr';

/** `text` as a QR code, `size` CSS pixels wide, labelled for assistive technology. */
export function QrCode({ text, label, size = 192 }: { text: string; label: string; size?: number }) {
  const { data } = encode(text, { ecc: 'M', border: 2 });
  const modules = data.length;
  const cells: preact.JSX.Element[] = [];
  data.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) cells.push(<rect key={`${x}.${y}`} x={x} y={y} width={1} height={1} />);
    });
  });
  return (
    <svg
      class="qr-code"
      role="img"
      aria-label={label}
      width={size}
      height={size}
      viewBox={`0 0 ${modules} ${modules}`}
      shape-rendering="crispEdges"
    >
      <rect x={0} y={0} width={modules} height={modules} fill="#fff" />
      <g fill="#000">{cells}</g>
    </svg>
  );
}
