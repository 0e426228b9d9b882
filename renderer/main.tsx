// Renderer entry: start the bridge (engine events -> slices), then render the window.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { api } from './api';
import { EVENT_FRAME_MS, startBridge } from './bridge';
import { App } from './components/App';
import './styles.css';

startBridge(api, { eventFrameMs: EVENT_FRAME_MS });

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
