// Entry point: mounts the app. Everything else lives in app.tsx and below.
import { render } from 'preact';
import { App } from './app.js';
import './styles.css';

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
