// The section editor's paste from Word: Word writes a list as paragraphs styled "mso-list:l0 level1" with the
// bullet or number as text; here consecutive ones become one (nested) list, numbered when the marker is a number
// (1. （1） 一、 ①). Everything else in Word's HTML (styles, fonts, <o:p>) the editor's schema already drops, and
// the server sanitises what is saved (evaluations/narrative_html.py, which converts Word lists the same way).
import { Extension, Plugin } from "django-prose-editor/editor"

const LIST_STYLE = /mso-list:\s*l(\d+)\s+level(\d+)/i
const ORDERED = /^[（(]?(\d+|[一二三四五六七八九十]+|[a-zA-Z]|[ivxlcIVXLC]+)[)）.．、]|^[①-⑳]/

function marker(paragraph) {
  // Between the comments <![if !supportLists]> and <![endif]> (parsed as comments) sits the bullet or number.
  let text = ""
  let inside = false
  for (const node of Array.from(paragraph.childNodes)) {
    if (node.nodeType === Node.COMMENT_NODE && /\[if\s+!supportLists\]/i.test(node.data)) {
      inside = true
      node.remove()
    } else if (node.nodeType === Node.COMMENT_NODE && /\[endif\]/i.test(node.data) && inside) {
      node.remove()
      break
    } else if (inside) {
      text += node.textContent
      node.remove()
    }
  }
  if (!text) {
    const ignored = paragraph.querySelector('span[style*="mso-list:Ignore"], span[style*="mso-list: Ignore"]')
    if (ignored) {
      text = ignored.textContent
      ignored.remove()
    }
  }
  return text.replace(/[\s\u00a0]+/g, "")
}

function listItems(doc) {
  return Array.from(doc.querySelectorAll("p")).flatMap((paragraph) => {
    const style = LIST_STYLE.exec(paragraph.getAttribute("style") || "")
    if (!style) return []
    const tag = ORDERED.test(marker(paragraph)) ? "ol" : "ul"
    return [{ paragraph, list: style[1], level: Number(style[2]), tag }]
  })
}

function adjacent(before, after) {
  let node = before.paragraph.nextSibling
  while (node && node !== after.paragraph) {
    if (node.nodeType === Node.ELEMENT_NODE || (node.nodeType === Node.TEXT_NODE && node.data.trim())) return false
    node = node.nextSibling
  }
  return node === after.paragraph && before.list === after.list
}

function buildLists(doc, run) {
  const holder = doc.createElement("div") // the top-level lists (more than one when the kind changes)
  const first = doc.createElement(run[0].tag)
  holder.appendChild(first)
  const stack = [{ level: run[0].level, tag: run[0].tag, element: first, item: null }]
  for (const entry of run) {
    while (stack.length > 1 && stack[stack.length - 1].level > entry.level) stack.pop()
    let top = stack[stack.length - 1]
    if (entry.level > top.level && top.item) {
      const nested = doc.createElement(entry.tag)
      top.item.appendChild(nested)
      top = { level: entry.level, tag: entry.tag, element: nested, item: null }
      stack.push(top)
    } else if (top.tag !== entry.tag && top.item) {
      const sibling = doc.createElement(entry.tag)
      top.element.after(sibling)
      top = { level: top.level, tag: entry.tag, element: sibling, item: null }
      stack[stack.length - 1] = top
    }
    const item = doc.createElement("li")
    const paragraph = doc.createElement("p")
    paragraph.append(...Array.from(entry.paragraph.childNodes))
    item.appendChild(paragraph)
    top.element.appendChild(item)
    top.item = item
  }
  return Array.from(holder.childNodes)
}

export function wordLists(html) {
  if (!/mso-list/i.test(html)) return html
  const doc = new DOMParser().parseFromString(html, "text/html")
  const items = listItems(doc)
  const runs = []
  for (const item of items) {
    const last = runs.length ? runs[runs.length - 1] : null
    if (last && adjacent(last[last.length - 1], item)) last.push(item)
    else runs.push([item])
  }
  for (const run of runs) {
    run[0].paragraph.before(...buildLists(doc, run))
    for (const entry of run) entry.paragraph.remove()
  }
  return doc.body.innerHTML
}

export const WordPaste = Extension.create({
  name: "wordPaste",
  addProseMirrorPlugins() {
    return [new Plugin({ props: { transformPastedHTML: wordLists } })]
  },
})
