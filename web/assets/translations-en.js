/* The designer's English where the bundled libraries' own English says what this product does
 * not do: Camunda's stock help texts, replaced by how this engine reads the same field. Every
 * other text the modeler translates stays the libraries' English on the English page. */

// how engine/deadlines counts a due date (engine/deadlines/legal.py), said where it is typed
export var DUE_DATE_HELP =
  'An expression such as ${deadline_in_working_days(15)} (15 working days by the working calendar: ' +
  'public holidays do not count, make-up working days do) or ${deadline_in_days(30)} (30 calendar days), ' +
  'or an ISO date and time (e.g. 2026-12-31T17:00:00+08:00). The start day is not counted; the period ' +
  'ends at 24:00 of its last day, and a last day on a holiday moves to the next working day. Click the ' +
  'box to pick a date function or a deadline setting.';

export default {
  'The due date as an EL expression (e.g. ${someDate}) or an ISO date (e.g. 2015-06-26T09:54:00).': DUE_DATE_HELP,
};
