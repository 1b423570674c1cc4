import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./viewer/app/App";
import { installHook } from "./viewer/app/test-hook";
import "./viewer/viewer.css";
import { mark } from "./viewer/app/marks";

mark("boot");

installHook();
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
