/*
 * import.js — the secretariat's "Import" screen (issue 16): a CSV file of
 * any kind the API imports, checked before anything is stored.
 *
 * "Check" sends the file as it is with ?preview=true (a dry run): the
 * server reads it exactly as the import will (libcsv, BOM, semicolons) and
 * answers its row errors with the table it read. The table is shown with
 * every bad cell marked and editable; "Check again" sends the edited table
 * back as CSV, and "Import" (offered only once a check came back clean)
 * stores it, all rows or none. Loaded after workbench.js (its wb* blocks).
 */
"use strict";

const IMP = { kind: "participants", name: "", table: null, errors: [], result: null, busy: null };
const IMP_KINDS = ["venues", "rooms", "travel-times", "delegations", "participants", "unavailability", "sessions", "bilaterals",
	"registrations"];

/* One CSV field: quoted when it holds a delimiter, a quote or a line break. */
function impField(v) {
	const t = v === null || v === undefined ? "" : String(v);
	return /[",;\r\n]/.test(t) || /^\s|\s$/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t;
}

/* The (edited) table as CSV text, comma-delimited. */
function impCsv(table) {
	const line = (cells) => cells.map(impField).join(",");
	return [line(table.columns)].concat(table.rows.map((r) => line(r.cells))).join("\r\n") + "\r\n";
}

/* The errors of a row and column ("" for the row's own). */
function impErrors(row, column) {
	return IMP.errors.filter((e) => e.row === row && (e.column || "") === (column || ""));
}

/* POST the file (text) to the import route; preview or for real. */
async function impSend(text, preview) {
	const q = "?kind=" + encodeURIComponent(IMP.kind) + (preview ? "&preview=true" : "");
	IMP.busy = preview ? "Checking " + IMP.name + "…" : "Importing " + IMP.name + "…";
	wbRender();
	try {
		const r = await api("POST", wbConf() + "/import" + q, { data: text, type: "text/csv" });
		return { ok: true, data: r.data };
	} catch (e) {
		return { ok: false, error: e };
	} finally {
		IMP.busy = null;
	}
}

/* Check text: keep the table read and the errors; draw the screen. */
async function impCheck(text) {
	IMP.text = text;
	IMP.result = null;
	const r = await impSend(text, true);
	const doc = r.ok ? r.data : (r.error.problem || {});
	IMP.result = r.ok ? null : r.error;
	IMP.table = doc.table || null;
	IMP.errors = r.ok ? [] : (doc.errors || []);
	IMP.clean = r.ok;
	wbRender();
	say(r.ok ? IMP.name + ": no errors; " + impCounts(doc) + ". Nothing is stored until you import."
		: IMP.name + ": " + (doc.detail || "the check failed") + ".");
}

/* "3 to create, 1 to update, 0 unchanged". */
function impCounts(d) {
	const n = (k) => (d[k] || []).length;
	return n("created") + " to create, " + n("updated") + " to update, " + n("unchanged") + " unchanged";
}

/* Store the checked table; say what happened. */
async function impCommit() {
	const r = await impSend(IMP.table ? impCsv(IMP.table) : IMP.text, false);
	if (!r.ok) {
		IMP.result = r.error;
		IMP.errors = (r.error.problem && r.error.problem.errors) || [];
		IMP.clean = false;
		wbRender();
		return;
	}
	const d = r.data;
	IMP.table = null;
	IMP.text = null;
	IMP.clean = false;
	IMP.errors = [];
	IMP.done = IMP.name + " imported: " + (d.created || []).length + " created, " + (d.updated || []).length +
		" updated, " + (d.unchanged || []).length + " unchanged.";
	await wbReload();
	await reloadAll();
	say(IMP.done);
}

/* The chosen file: read it and check it. */
function impFile(input) {
	const f = input.files && input.files[0];
	if (!f)
		return;
	IMP.name = f.name;
	IMP.done = null;
	f.text().then(impCheck);
}

/* A cell of the preview: an input, marked when the server named it. */
function impCell(row, column, i) {
	const errs = impErrors(row.row, column);
	const input = h("input", { value: row.cells[i] ?? "", "aria-label": "Row " + row.row + ", " + column,
		"aria-invalid": errs.length ? "true" : "false", class: errs.length ? "bad" : "" });
	input.addEventListener("input", () => {	/* every keystroke: a redraw keeps the edit */
		row.cells[i] = input.value === "" ? null : input.value;
		IMP.clean = false;
		$("imp-commit").disabled = true;
	});
	return h("td", { class: errs.length ? "bad" : "" }, input,
		errs.map((e) => h("div", { class: "imp-msg" }, e.message)));
}

/* The preview table: bad rows first when there are many. */
function impTable() {
	const t = IMP.table;
	const bad = new Set(IMP.errors.map((e) => e.row));
	const rows = t.rows.length > 200 ? t.rows.filter((r) => bad.has(r.row)).slice(0, 200) : t.rows;
	const body = rows.map((r) => h("tr", { class: bad.has(r.row) ? "bad" : "", dataset: { row: r.row } },
		h("th", { scope: "row" }, String(r.row)), t.columns.map((c, i) => impCell(r, c, i)),
		h("td", {}, impErrors(r.row, "").map((e) => e.message).join("; "))));
	return h("div", { class: "imp-scroll" }, wbTable("Preview of " + IMP.name + " (" + t.rows.length + " rows" +
		(rows.length < t.rows.length ? "; the " + rows.length + " with errors shown" : "") + ")",
		["Row"].concat(t.columns, ["Row errors"]), body, "imp-preview"));
}

/* Errors of the file itself (no header, an unknown column) or rows not in the table. */
function impLooseErrors() {
	const shown = new Set((IMP.table ? IMP.table.rows : []).map((r) => r.row));
	const loose = IMP.errors.filter((e) => !shown.has(e.row));
	return loose.length ? h("ul", { class: "imp-errors" }, loose.map((e) =>
		h("li", {}, "Row " + e.row + (e.column ? ", " + e.column : "") + ": " + e.message))) : null;
}

/* The Import screen. */
function wbImportScreen() {
	const kind = wbSelect("kind", IMP_KINDS.map((k) => [k, k.replace("-", " ")]), IMP.kind);
	kind.addEventListener("change", () => { IMP.kind = kind.value; IMP.table = null; IMP.errors = []; });
	const file = h("input", { type: "file", id: "imp-file", accept: ".csv,text/csv", "aria-label": "CSV file to import" });
	file.addEventListener("change", () => impFile(file));
	const box = wbProblemBox();
	if (IMP.result)	/* a refusal is said even when the table stays (a 409, a 503) */
		wbShow(box, IMP.result);
	const out = [h("p", {}, "A CSV file whose header names the columns (as the export writes them). Nothing is stored until the check is clean and you import."),
		h("div", { class: "wb-form" }, wbField("Kind", kind), wbField("File", file)), box];
	if (IMP.busy)
		out.push(wbProgress(IMP.busy));
	if (IMP.done)
		out.push(h("p", { class: "imp-done", role: "status" }, IMP.done));
	if (IMP.table) {
		out.push(h("p", { class: IMP.clean ? "imp-ok" : "imp-bad" }, IMP.clean ? "No errors: ready to import."
			: IMP.errors.length + " error(s): fix the marked cells, then check again."), impLooseErrors(), impTable(),
		h("div", { class: "buttons" },
			h("button", { type: "button", id: "imp-check", onclick: () => impCheck(impCsv(IMP.table)) }, "Check again"),
			h("button", { type: "button", id: "imp-commit", class: "primary", disabled: !IMP.clean, onclick: impCommit },
				"Import " + IMP.table.rows.length + " rows")));
	} else if (IMP.errors.length)
		out.push(impLooseErrors());
	else if (IMP.clean && IMP.text)	/* too large to preview, and clean */
		out.push(h("p", { class: "imp-ok" }, "No errors: ready to import."), h("div", { class: "buttons" },
			h("button", { type: "button", id: "imp-commit", class: "primary", onclick: impCommit }, "Import " + IMP.name)));
	return out.filter(Boolean);
}
