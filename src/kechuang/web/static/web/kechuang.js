/* Kechuang's page behaviour, in one static file (the Content-Security-Policy allows no
 * inline script and no inline event handler):
 *
 * - htmx requests: an indicator while any request runs (aria-busy on its target), and
 *   when one fails (network error, timeout, a 4xx/5xx answer) a Chinese message with a
 *   重试 button that sends the same request again;
 * - data-confirm on a form or a submit button: ask before submitting;
 * - data-autosubmit on a select: submit its form on change;
 * - data-copy-target on a button: copy the named field's value;
 * - data-region-search on a region select: a searchable select down to district level
 *   (Tom Select, vendored), asking /regions/search/ for matches.
 */
(function () {
  "use strict";

  // ---- htmx: loading and error states -------------------------------------------------
  var running = 0;
  var lastFailed = null;

  function byId(id) {
    return document.getElementById(id);
  }

  function setLoading(delta) {
    running = Math.max(0, running + delta);
    var box = byId("kc-loading");
    if (box) {
      box.hidden = running === 0;
    }
  }

  function hideError() {
    var box = byId("kc-request-error");
    if (box) {
      box.hidden = true;
    }
    lastFailed = null;
  }

  function messageFor(kind, status) {
    var box = byId("kc-request-error");
    var d = box ? box.dataset : {};
    if (kind === "timeout") return d.msgTimeout;
    if (kind === "network") return d.msgNetwork;
    if (status === 401 || status === 403) return d.msgForbidden;
    if (status === 404) return d.msgNotfound;
    if (status === 429) return d.msgToomany;
    if (status >= 500) return d.msgServer;
    return d.msgClient;
  }

  function showError(kind, detail) {
    var box = byId("kc-request-error");
    if (!box) return;
    var status = detail && detail.xhr ? detail.xhr.status : 0;
    box.querySelector("[data-kc-error-text]").textContent = messageFor(kind, status);
    box.dataset.kind = kind;
    box.dataset.status = String(status);
    lastFailed = detail;
    box.hidden = false;
  }

  function retry() {
    var failed = lastFailed;
    hideError();
    if (!failed || !window.htmx) return;
    var config = failed.requestConfig || {};
    var source = failed.elt;
    if (!source || !document.body.contains(source)) {
      window.location.reload();
      return;
    }
    // The same element, verb and path: htmx reads the element's values, swap and target.
    window.htmx.ajax(config.verb || "get", config.path, { source: source, target: failed.target });
  }

  function busy(evt, on) {
    var target = evt.detail && evt.detail.target;
    if (target && target.setAttribute) {
      if (on) target.setAttribute("aria-busy", "true");
      else target.removeAttribute("aria-busy");
    }
  }

  document.addEventListener("htmx:beforeRequest", function (evt) {
    hideError();
    setLoading(1);
    busy(evt, true);
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    setLoading(-1);
    busy(evt, false);
  });
  document.addEventListener("htmx:responseError", function (evt) {
    showError("response", evt.detail);
  });
  document.addEventListener("htmx:sendError", function (evt) {
    showError("network", evt.detail);
  });
  document.addEventListener("htmx:timeout", function (evt) {
    showError("timeout", evt.detail);
  });

  document.addEventListener("click", function (evt) {
    var target = evt.target;
    if (!(target instanceof Element)) return;
    if (target.closest("[data-kc-retry]")) {
      retry();
    } else if (target.closest("[data-kc-dismiss]")) {
      hideError();
    }
  });

  // ---- confirmations, auto-submitting selects, copy buttons ----------------------------
  document.addEventListener(
    "submit",
    function (evt) {
      var form = evt.target;
      if (!(form instanceof HTMLFormElement)) return;
      var submitter = evt.submitter;
      var question =
        (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) {
        evt.preventDefault();
        evt.stopImmediatePropagation();
      }
    },
    true
  );

  document.addEventListener("change", function (evt) {
    var field = evt.target;
    if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
  });

  document.addEventListener("click", function (evt) {
    var target = evt.target;
    if (!(target instanceof Element)) return;
    var button = target.closest("[data-copy-target]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy-target"));
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.value || source.textContent || "").then(function () {
      if (button.dataset.done) button.textContent = button.dataset.done;
    });
  });

  // ---- the searchable region select ----------------------------------------------------
  function regionSelect(select) {
    if (select.tomselect || !window.TomSelect) return;
    if (select.classList.contains("tomselected")) {
      // restored from htmx's history cache: drop the stale copy of the widget
      var stale = select.nextElementSibling;
      if (stale && stale.classList.contains("ts-wrapper")) stale.remove();
      select.classList.remove("tomselected", "ts-hidden-accessible");
    }
    var url = select.getAttribute("data-region-search");
    var d = select.dataset;
    new window.TomSelect(select, {
      valueField: "value",
      labelField: "text",
      searchField: ["text"],
      maxOptions: 50,
      allowEmptyOption: true,
      placeholder: d.placeholder,
      loadThrottle: 250,
      load: function (query, callback) {
        fetch(url + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
          .then(function (response) {
            return response.ok ? response.json() : { results: [] };
          })
          .then(function (data) {
            callback(data.results);
          })
          .catch(function () {
            callback();
          });
      },
      shouldLoad: function (query) {
        return query.length > 0;
      },
      render: {
        no_results: function (data, escape) {
          return '<div class="no-results">' + escape(d.noResults || "") + "</div>";
        },
        loading: function () {
          return '<div class="spinner-border spinner-border-sm m-2" aria-hidden="true"></div>';
        },
      },
    });
  }

  function enhance(root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll("select[data-region-search]").forEach(regionSelect);
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
  });
  document.addEventListener("htmx:load", function (evt) {
    enhance(evt.detail && evt.detail.elt);
  });
})();
