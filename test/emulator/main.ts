// `npm run emulator [-- --port 8700 --tick-ms 1000 --seed 7 --market-hours nyse]`: a local Alpaca
// for trying the whole app without an account. Prints the settings to use and stops on SIGINT.
import { parseArgs } from 'node:util';
import { startEmulator } from './server';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'data-port': { type: 'string', default: '0' },
    'tick-ms': { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    cash: { type: 'string', default: '100000' },
    'market-hours': { type: 'string', default: 'always' },
  },
});

const marketHours = values['market-hours'] === 'nyse' ? 'nyse' : 'always';
const emu = await startEmulator({
  port: Number(values.port),
  dataPort: Number(values['data-port']),
  tickIntervalMs: Number(values['tick-ms']) || null,
  seed: Number(values.seed),
  cash: Number(values.cash),
  marketHours,
});

console.log(`Alpaca emulator running (seed ${values.seed}, one bar per ${values['tick-ms']} ms, market hours: ${marketHours})

  trading API      ${emu.urls.api}
  market data API  ${emu.urls.data}
  trade updates    ${emu.urls.stream}
  market data ws   ${emu.urls.dataStream}  (stocks: /v2/iex, crypto: /v1beta3/crypto/us)
  admin            ${emu.urls.admin}/state

Environment for the app (paper keys of this emulator):

  APCA_API_KEY_ID=${emu.keys.keyId}
  APCA_API_SECRET_KEY=${emu.keys.secret}
  ALPACA_PAPER=true
  ALPACA_API_BASE_URL=${emu.urls.api}
  ALPACA_DATA_BASE_URL=${emu.urls.data}
  ALPACA_STREAM_URL=${emu.urls.stream}
  ALPACA_DATA_STREAM_URL=${emu.urls.dataStream}

Open an external position:  curl -X POST ${emu.urls.admin}/positions -d '{"symbol":"AAPL","qty":10}'
Ctrl+C stops it.`);

const stop = (): void => {
  console.log('\nstopping the emulator');
  void emu.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
