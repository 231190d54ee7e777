// The section and analysis editor's "插入数据": a figure bound to the data (a derived figure or its calculation, a
// table total, an indicator's actual value, score, weight or scoring explanation, the total score, the grade),
// chosen from a searchable list. It is stored as <span data-figure="KEY"></span>, never as its value: the page and
// the report fill in the current value, so it cannot go stale. Here the editor shows the value it has now (from the
// catalogue the page embeds as JSON, #figure-catalogue); a key no longer in it shows "数据已删除".
import { Node } from "django-prose-editor/editor"

const MISSING = "数据已删除"
const SHORT = 16 // a longer figure (a calculation, a sentence) may wrap; a number with its unit never (narrative_html)

let entries = null
function catalogue() {
  if (entries === null) {
    const script = document.getElementById("figure-catalogue")
    entries = script ? JSON.parse(script.textContent) : []
  }
  return entries
}
// A page without the catalogue (the admin's form) cannot tell a deleted figure from a present one: it says so.
function known() {
  return document.getElementById("figure-catalogue") !== null
}
function find(key) {
  return catalogue().find((entry) => entry.key === key) || null
}

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag)
  Object.entries(attributes).forEach(([name, value]) => {
    if (name === "text") node.textContent = value
    else node.setAttribute(name, value)
  })
  children.forEach((child) => node.appendChild(child))
  return node
}

// The picker: a dialog with a search box and the figures grouped (总分与等级 · 派生数据 · 基础数据表合计 · 指标).
function openPicker(editor) {
  const search = element("input", {
    type: "search",
    class: "form-control mb-2",
    placeholder: "搜索：预算执行率、合计、指标名称、总分……",
    "aria-label": "搜索要插入的数据",
  })
  const list = element("div", { class: "figure-picker-list list-group", role: "listbox" })
  const empty = element("p", { class: "text-muted small mb-0", text: "没有匹配的数据。" })
  const cancel = element("button", { type: "button", class: "btn btn-outline-secondary btn-sm", text: "取消" })
  const dialog = element("dialog", { class: "figure-picker", "aria-label": "插入数据" }, [
    element("h2", { class: "h6", text: "插入数据（显示和打印时总是当前值）" }),
    search,
    list,
    empty,
    element("div", { class: "text-end mt-2" }, [cancel]),
  ])
  const choose = (key) => {
    dialog.close()
    editor.chain().focus().insertContent({ type: "dataFigure", attrs: { key } }).run()
  }
  const render = () => {
    const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean)
    list.textContent = ""
    let group = null
    let shown = 0
    for (const entry of catalogue()) {
      const haystack = `${entry.label} ${entry.group} ${entry.hint}`.toLowerCase()
      if (!words.every((word) => haystack.includes(word))) continue
      if (entry.group !== group) {
        group = entry.group
        list.appendChild(element("div", { class: "list-group-item list-group-item-light small fw-semibold", text: group }))
      }
      const option = element("button", { type: "button", class: "list-group-item list-group-item-action", role: "option", "data-key": entry.key }, [
        element("span", { class: "figure-label", text: entry.label }),
        element("span", { class: "figure-value ms-2 text-muted", text: entry.text }),
      ])
      if (entry.hint) option.title = entry.hint
      option.addEventListener("click", () => choose(entry.key))
      list.appendChild(option)
      shown += 1
    }
    empty.hidden = shown > 0
  }
  search.addEventListener("input", render)
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault()
      const first = list.querySelector("[data-key]")
      if (first) choose(first.getAttribute("data-key"))
    }
  })
  cancel.addEventListener("click", () => dialog.close())
  dialog.addEventListener("close", () => dialog.remove())
  document.body.appendChild(dialog)
  render()
  dialog.showModal()
  search.focus()
}

export const DataFigure = Node.create({
  name: "dataFigure",
  group: "inline",
  inline: true,
  atom: true,
  selectable: true,
  draggable: false,

  addAttributes() {
    return {
      key: {
        default: null,
        parseHTML: (node) => node.getAttribute("data-figure"),
        renderHTML: (attributes) => ({ "data-figure": attributes.key }),
      },
    }
  },

  parseHTML() {
    return [{ tag: "span[data-figure]" }]
  },

  renderHTML({ HTMLAttributes }) {
    return ["span", HTMLAttributes] // empty: the value is filled in where the text is shown or printed
  },

  // What the figure reads as in the editor's text (the character count counts it as it will be printed).
  renderText({ node }) {
    const entry = find(node.attrs.key)
    return entry ? entry.text : ""
  },

  addNodeView() {
    return ({ node }) => {
      if (!known()) {
        const dom = element("span", {
          class: "bound-figure",
          "data-figure": node.attrs.key,
          title: node.attrs.key,
          text: "〔绑定的数据〕",
          contenteditable: "false",
        })
        return { dom }
      }
      const entry = find(node.attrs.key)
      const dom = element("span", {
        class: entry ? (entry.text.length > SHORT ? "bound-figure sentence" : "bound-figure") : "bound-figure missing",
        "data-figure": node.attrs.key,
        title: entry ? `${entry.label}（绑定数据，随数据更新）` : "绑定的数据已不存在",
        text: entry ? entry.text : MISSING,
        contenteditable: "false",
      })
      return { dom }
    }
  },

  addMenuItems({ buttons, menu }) {
    menu.defineItem({
      name: "dataFigure",
      groups: "nodes",
      command: (editor) => openPicker(editor),
      button: buttons.text("插入数据", "插入绑定的数据：派生数据及其计算过程、表格合计、指标的得分和计分说明、总分或等级"),
      enabled: (editor) => editor.can().insertContent({ type: "dataFigure", attrs: { key: "total" } }),
    })
  },
})
