"use strict";
(function () {
  const token = new URLSearchParams(location.search).get("token") || "";
  const sql = document.getElementById("sql");
  const status = document.getElementById("status");
  const result = document.getElementById("result");
  const button = document.getElementById("run");

  function show(message, isError) {
    status.textContent = message;
    status.className = isError ? "error" : "muted";
  }

  function table(answer) {
    const t = document.createElement("table");
    const head = t.createTHead().insertRow();
    for (const name of answer.columns) {
      const th = document.createElement("th");
      th.textContent = name;
      head.appendChild(th);
    }
    const body = t.createTBody();
    for (const row of answer.rows) {
      const tr = body.insertRow();
      for (const value of row) {
        const td = tr.insertCell();
        if (value === null) {
          td.textContent = "null";
          td.className = "null";
        } else {
          td.textContent = value;
        }
      }
    }
    return t;
  }

  async function run() {
    button.disabled = true;
    show("running…", false);
    try {
      const response = await fetch("query", {
        method: "POST",
        headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
        body: JSON.stringify({ sql: sql.value }),
        cache: "no-store",
        credentials: "omit",
      });
      if (response.status === 401) {
        show("not authorized: open the URL that multiproc console printed (the console may have stopped)", true);
        return;
      }
      const answer = await response.json();
      if (!response.ok) {
        show(answer.error || ("error " + response.status), true);
        return;
      }
      result.replaceChildren(table(answer));
      show(answer.rows.length + (answer.rows.length === 1 ? " row" : " rows")
        + (answer.truncated ? " (the first " + answer.rows.length + "; there are more)" : "")
        + " in " + answer.elapsed_ms + " ms", false);
    } catch (e) {
      show("the console does not answer: " + e, true);
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener("click", run);
  sql.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      run();
    }
  });
})();
