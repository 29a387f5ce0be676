package proxy

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/ifacegen/ifacegen/annotate"
	"github.com/ifacegen/ifacegen/gen/schema"
)

// This file emits what calls cross the wire with: one capnprpc.Method
// per method, the client proxies' methods (each a call of ipcimpl.Call)
// and the server adapters (a Dispatch switch on the method, then one
// short method per interface method).

// methodVar is the name of the package-level capnprpc.Method of m, a
// method of it: methodMiningGetTip.
func methodVar(it *annotate.Interface, m *annotate.Method) string {
	return "method" + it.Name + upperFirst(m.Name)
}

// layout returns the layout of the struct whose bindings type is stype:
// a struct, map entry or box of this package's schema, or the params or
// results of one of its methods.
func (g *generator) layout(stype string) schema.StructLayout {
	if l, ok := g.layouts.Structs[stype]; ok {
		return l
	}
	for _, it := range g.pkg.Interfaces {
		for _, m := range it.Methods {
			switch stype {
			case paramsType(it, m):
				return g.layouts.Params[it.Name][m.WireName]
			case resultsType(it, m):
				return g.layouts.Results[it.Name][m.WireName]
			}
		}
	}
	panic(fmt.Sprintf("proxy: no layout for struct %s", stype))
}

// pointerIndex returns the pointer index of field wire of the struct
// whose bindings type is stype.
func (g *generator) pointerIndex(stype, wire string) int {
	i, ok := g.layout(stype).Pointer[wire]
	if !ok {
		panic(fmt.Sprintf("proxy: %s.%s is not a pointer field", stype, wire))
	}
	return int(i)
}

// objectSize renders the capnp.ObjectSize of the struct stype.
func (g *generator) objectSize(stype string) jen.Code {
	l := g.layout(stype)
	return jen.Qual(capnpPath, "ObjectSize").Values(
		jen.Id("DataSize").Op(":").Lit(int(l.DataWords)*8),
		jen.Id("PointerCount").Op(":").Lit(int(l.Pointers)),
	)
}

// methodVars emits the wire identity of each live method of it:
//
//	var methodMiningGetTip = capnprpc.Method{InterfaceID: Mining_TypeID, MethodID: 2,
//		Name: "mining.Mining.GetTip", ParamsSize: capnp.ObjectSize{…}}
func (g *generator) methodVars(it *annotate.Interface) {
	var defs []jen.Code
	for _, m := range it.Methods {
		if m.Retired || m.WireOnly {
			continue
		}
		defs = append(defs, jen.Id(methodVar(it, m)).Op("=").Qual(capnprpcPath, "Method").Values(
			jen.Id("InterfaceID").Op(":").Id(it.Name+"_TypeID"),
			jen.Id("MethodID").Op(":").Lit(m.Ordinal),
			jen.Id("Name").Op(":").Lit(methodPath(g.pkg, it, m)),
			jen.Id("ParamsSize").Op(":").Add(g.objectSize(paramsType(it, m))),
		))
	}
	if len(defs) == 0 {
		return
	}
	g.file.Comment(fmt.Sprintf("The methods of %s.%s on the wire.", g.pkg.Name, it.Name))
	g.file.Var().Defs(defs...)
}

// client emits the client proxy of it: its type, New<It>Client, Release
// and one method per live method of it and the interfaces it extends.
func (g *generator) client(it *annotate.Interface) {
	f := g.file
	name := clientType(it)
	ifaceRef := g.pkg.Name + "." + it.Name

	if it.Func != nil {
		f.Comment(docComment(fmt.Sprintf("%s calls a %s func in another process; its method value Call is\n"+
			"what a receiver of a %s gets. Call is safe for concurrent use; it fails as a method of an\n"+
			"interface client does (an error result, or a panic with an *ipc.Error without one).", name, ifaceRef, ifaceRef)))
	} else {
		doc := fmt.Sprintf("%s calls a %s in another process (see the package doc).", name, ifaceRef)
		if it.Doc != "" {
			doc += "\n\n" + it.Doc
		}
		f.Comment(docComment(doc))
	}
	f.Type().Id(name).Struct(jen.Id("c").Op("*").Qual(ipcPath, "Capability"))
	f.Line()
	if it.Func == nil {
		// var _ mining.Mining = (*MiningClient)(nil)
		f.Comment(fmt.Sprintf("If this fails to compile, %s changed: regenerate (go generate).", ifaceRef))
		f.Var().Id("_").Add(g.qual(annotate.TypeName{Path: g.pkg.Path, Name: it.Name})).Op("=").
			Parens(jen.Op("*").Id(name)).Parens(jen.Nil())
	}

	// func NewMiningClient(c *ipc.Capability) *MiningClient {
	// 	return ipcimpl.NewClient(&MiningClient{c: c}, c)
	// }
	f.Comment(fmt.Sprintf("New%s returns a client that calls c and takes over c (see the package doc).", name))
	f.Func().Id("New" + name).Params(jen.Id("c").Op("*").Qual(ipcPath, "Capability")).Op("*").Id(name).Block(
		jen.Return(jen.Qual(ipcimplPath, "NewClient").Call(jen.Op("&").Id(name).Values(jen.Id("c").Op(":").Id("c")), jen.Id("c"))),
	)
	g.release(it)

	for _, anc := range g.ancestry(it) {
		for _, m := range anc.Methods {
			if !m.Retired && !m.WireOnly { // a retired or wire-only method has no Go method
				g.clientMethod(it, anc, m)
			}
		}
	}
}

// release emits the client's Release:
//
//	func (c *MiningClient) Release() {
//		c.c.Release()
//	}
//
// In the libmultiprocess dialect, an interface whose method @0 is destroy
// has a Release that calls it first: the peer frees the object then.
func (g *generator) release(it *annotate.Interface) {
	f := g.file
	recv := jen.Id("c").Op("*").Id(clientType(it))
	if d := destroyMethod(g.pkg, it); d != nil {
		f.Comment(docComment(fmt.Sprintf("Release calls %s on the remote object (the libmultiprocess dialect: the peer frees\n"+
			"the object then; its error is dropped) and releases the capability the client calls. Calls\n"+
			"made after Release fail; a second Release does nothing.", d.Name)))
		f.Func().Params(recv).Id("Release").Params().Block(
			jen.Qual(ipcimplPath, "Destroy").Call(jen.Id("c").Dot("c"), jen.Op("&").Id(methodVar(it, d))),
			jen.Id("c").Dot("c").Dot("Release").Call(),
		)
		return
	}
	f.Comment(docComment("Release releases the capability the client calls. Calls made after Release fail."))
	f.Func().Params(recv).Id("Release").Params().Block(
		jen.Id("c").Dot("c").Dot("Release").Call(),
	)
}

// destroyMethod returns the method a client's Release calls first: in a
// libmultiprocess dialect package, an interface's method @0 declared as
// Destroy(ctx context.Context) error (destroy @0 (context) -> ()); nil
// otherwise.
func destroyMethod(pkg *annotate.Package, it *annotate.Interface) *annotate.Method {
	if pkg.Dialect != annotate.Libmultiprocess || it.Func != nil {
		return nil
	}
	for _, m := range it.Methods {
		if m.Ordinal == 0 && m.Name == "Destroy" && !m.Retired && !m.WireOnly && !m.NoContext &&
			m.Context && m.Error && len(live(m.Params)) == 0 && len(live(m.Results)) == 0 {
			return m
		}
	}
	return nil
}

// clientMethod emits the method m of the interface it on the client proxy
// of owner: it itself, or an interface that extends it. Its body is one
// call of ipcimpl.Call (or MustCall, without an error result) given
// closures that write the arguments and read the results; clientBody
// says what follows it.
//
//	func (c *MiningClient) CreateNewBlock(ctx context.Context, opts mining.BlockCreateOptions) (result mining.BlockTemplate, err error) {
//		err = ipcimpl.Call(ctx, c.c, &methodMiningCreateNewBlock, func(p capnp.Struct) error {
//			return writeMining_createNewBlock_Params(Mining_createNewBlock_Params(p), opts)
//		}, func(r capnp.Struct) error {
//			return readMining_createNewBlock_Results(Mining_createNewBlock_Results(r), &result)
//		})
//		return ipcimpl.ZeroOnError(result, err)
//	}
func (g *generator) clientMethod(owner, it *annotate.Interface, m *annotate.Method) {
	w := g.newFn()
	sig := g.clientSignature(w, m)
	recv := w.sc.name("c")

	writeParams, readResults := jen.Code(jen.Nil()), jen.Code(jen.Nil())
	if goParams := live(m.Params); len(goParams) > 0 {
		writeParams = w.conversionClosure("p", paramsType(it, m), goParams, sig.args, true)
	}
	if goResults := live(m.Results); len(goResults) > 0 {
		readResults = w.conversionClosure("r", resultsType(it, m), goResults, sig.results, false)
	}
	call := []jen.Code{sig.ctx, jen.Id(recv).Dot("c"), jen.Op("&").Id(methodVar(it, m)), writeParams, readResults}

	doc := m.Doc
	if doc == "" {
		doc = fmt.Sprintf("%s calls %s in the other process.", m.Name, methodPath(g.pkg, it, m))
	}
	g.file.Comment(docComment(doc))
	g.file.Func().Params(jen.Id(recv).Op("*").Id(clientType(owner))).Id(m.Name).
		Params(sig.params...).Params(sig.resultDecls...).Block(g.clientBody(m, sig, call)...)
}

// clientSig is the signature of a client method: its parameters and
// results keep the interface's names where it has them.
type clientSig struct {
	params, resultDecls []jen.Code // as declared
	ctx                 jen.Code   // the context the call is made with
	args, results       []string   // the names of the live parameters and results
	zeros               []jen.Code // the zero values of the results
}

// clientSignature returns the signature of the client method of m, its
// names taken from w's scope.
func (g *generator) clientSignature(w *fn, m *annotate.Method) clientSig {
	sig := clientSig{ctx: jen.Qual(contextPath, "Background").Call()}
	if m.Context {
		name := w.sc.name("ctx")
		sig.params = append(sig.params, jen.Id(name).Qual(contextPath, "Context"))
		sig.ctx = jen.Id(name)
	}
	for _, p := range live(m.Params) {
		name := w.sc.name(label(p))
		sig.params = append(sig.params, jen.Id(name).Add(g.goType(p.Type)))
		sig.args = append(sig.args, name)
	}
	for _, r := range live(m.Results) {
		name := w.sc.name(label(r))
		sig.resultDecls = append(sig.resultDecls, jen.Id(name).Add(g.goType(r.Type)))
		sig.results = append(sig.results, name)
		sig.zeros = append(sig.zeros, g.zero(r.Type))
	}
	if m.Error {
		sig.resultDecls = append(sig.resultDecls, jen.Err().Error())
	}
	return sig
}

// clientBody returns the statements of a client method that makes call
// (the arguments of ipcimpl.Call), by the method's shape. With an error
// result, the results are zero when the call fails.
func (g *generator) clientBody(m *annotate.Method, sig clientSig, call []jen.Code) []jen.Code {
	results := ids(sig.results)
	switch {
	case m.Error && len(results) == 0:
		// return ipcimpl.Call(…)
		return []jen.Code{jen.Return(jen.Qual(ipcimplPath, "Call").Call(call...))}
	case m.Error && len(results) == 1:
		// err = ipcimpl.Call(…)
		// return ipcimpl.ZeroOnError(result, err)
		return []jen.Code{
			jen.Err().Op("=").Qual(ipcimplPath, "Call").Call(call...),
			jen.Return(jen.Qual(ipcimplPath, "ZeroOnError").Call(results[0], jen.Err())),
		}
	case m.Error:
		// err = ipcimpl.Call(…)
		// if err != nil {
		// 	return 0, "", err
		// }
		// return a, b, nil
		return []jen.Code{
			jen.Err().Op("=").Qual(ipcimplPath, "Call").Call(call...),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(append(sig.zeros, jen.Err())...)),
			jen.Return(append(results, jen.Nil())...),
		}
	case len(results) == 0:
		// ipcimpl.MustCall(…)
		return []jen.Code{jen.Qual(ipcimplPath, "MustCall").Call(call...)}
	default:
		// ipcimpl.MustCall(…)
		// return result
		return []jen.Code{jen.Qual(ipcimplPath, "MustCall").Call(call...), jen.Return(results...)}
	}
}

// conversionClosure renders the func(capnp.Struct) error that writes the
// variables vars into (or reads them from) the params or results struct,
// of bindings type stype, of a call, naming its parameter param: a call of
// the method's conversion function, or the one step of a single field
// that takes one step.
//
//	func(p capnp.Struct) error {
//		return writeMining_createNewBlock_Params(Mining_createNewBlock_Params(p), opts)
//	}
//
//	func(p capnp.Struct) error {
//		return ipcimpl.InField("t", writeTime(…))
//	}
func (w *fn) conversionClosure(param, stype string, fields []*annotate.Field, vars []string, write bool) jen.Code {
	x := w.sc.name(param)
	var body []jen.Code
	if w.g.inline(stype, fields, write, false) {
		body = finish(w.inlineSteps(jen.Id(x), stype, fields, ref{x: jen.Id(vars[0])}, write, fieldWrap(label(fields[0]))))
	} else {
		conv, args := readFunc(stype), []jen.Code{jen.Id(stype).Call(jen.Id(x))}
		if write {
			conv = writeFunc(stype)
		}
		for _, v := range vars {
			if write {
				args = append(args, jen.Id(v))
			} else {
				args = append(args, jen.Op("&").Id(v))
			}
		}
		body = []jen.Code{jen.Return(jen.Id(conv).Call(args...))}
	}
	return jen.Func().Params(jen.Id(x).Qual(capnpPath, "Struct")).Error().Block(body...)
}

// ids renders names as identifiers.
func ids(names []string) []jen.Code {
	out := make([]jen.Code, len(names))
	for i, n := range names {
		out[i] = jen.Id(n)
	}
	return out
}

// server emits the server adapter of it: New<It>Server, the adapter type,
// its Dispatch and one serve method per live method.
func (g *generator) server(it *annotate.Interface) {
	f := g.file
	goIface := g.qual(annotate.TypeName{Path: g.pkg.Path, Name: it.Name})
	if it.Func != nil {
		goIface = g.qual(*it.Func)
	}
	srv := serverType(it)
	ifaceRef := g.pkg.Name + "." + it.Name

	// func NewMiningServer(impl mining.Mining) *ipc.Capability {
	// 	return ipcimpl.NewServer(miningServer{impl: impl}, impl)
	// }
	f.Comment(fmt.Sprintf("New%sServer returns a capability that serves impl (see the package doc).", it.Name))
	f.Func().Id("New"+it.Name+"Server").Params(jen.Id("impl").Add(goIface)).Op("*").Qual(ipcPath, "Capability").Block(
		jen.Return(jen.Qual(ipcimplPath, "NewServer").Call(
			jen.Id(srv).Values(jen.Dict{jen.Id("impl"): jen.Id("impl")}), jen.Id("impl"))),
	)

	// type miningServer struct{ impl mining.Mining }
	f.Comment(fmt.Sprintf("%s serves a %s.", srv, ifaceRef))
	f.Type().Id(srv).Struct(jen.Id("impl").Add(goIface))

	g.dispatch(it)
	for _, anc := range g.ancestry(it) {
		for _, m := range anc.Methods {
			if !m.Retired && !m.WireOnly {
				g.serverMethod(it, anc, m)
			}
		}
	}
}

// dispatch emits the adapter's Dispatch: a switch on the interface (it
// and the interfaces it extends) and the method ordinal.
//
//	// Dispatch runs the method call names: s.serveM serves a method M.
//	func (s miningServer) Dispatch(ctx context.Context, call *capnprpc.Call) error {
//		switch call.InterfaceID() {
//		case Mining_TypeID:
//			switch call.MethodID() {
//			case 0:
//				return s.serveIsTestChain(ctx, call)
//			case 3:
//				return ipcimpl.Retired("mining.Mining.checkBlockRetired3")
//			}
//		}
//		return ipcimpl.Unknown(call)
//	}
func (g *generator) dispatch(it *annotate.Interface) {
	var ifaces []jen.Code
	for _, anc := range g.ancestry(it) {
		var methods []jen.Code
		for _, m := range anc.Methods {
			var serve jen.Code
			switch wire := g.pkg.Name + "." + anc.Name + "." + m.WireName; {
			case m.Retired:
				serve = jen.Return(jen.Qual(ipcimplPath, "Retired").Call(jen.Lit(wire)))
			case m.WireOnly:
				// The libmultiprocess dialect's construct: the runtime
				// of the connection answers it.
				serve = jen.Return(jen.Qual(ipcimplPath, "RuntimeOnly").Call(jen.Lit(wire)))
			default:
				serve = jen.Return(jen.Id("s").Dot(serveMethod(m)).Call(jen.Id("ctx"), jen.Id("call")))
			}
			methods = append(methods, jen.Case(jen.Lit(m.Ordinal)).Block(serve))
		}
		ifaces = append(ifaces, jen.Case(jen.Id(anc.Name+"_TypeID")).Block(
			jen.Switch(jen.Id("call").Dot("MethodID").Call()).Block(methods...)))
	}
	g.file.Comment("Dispatch runs the method call names: s.serveM serves a method M.")
	g.file.Func().Params(jen.Id("s").Id(serverType(it))).Id("Dispatch").
		Params(jen.Id("ctx").Qual(contextPath, "Context"), jen.Id("call").Op("*").Qual(capnprpcPath, "Call")).Error().Block(
		jen.Switch(jen.Id("call").Dot("InterfaceID").Call()).Block(ifaces...),
		jen.Return(jen.Qual(ipcimplPath, "Unknown").Call(jen.Id("call"))),
	)
}

// serveMethod is the name of the adapter's method that serves m.
func serveMethod(m *annotate.Method) string { return "serve" + upperFirst(m.Name) }

// serverMethod emits the method of the adapter of owner that serves m, a
// method of it (owner itself or an interface it extends): it recovers a
// panic, reads the arguments (serverParams), calls the implementation and
// writes its results (serverCall).
//
//	func (s miningServer) serveCreateNewBlock(ctx context.Context, call *capnprpc.Call) (err error) {
//		defer ipcimpl.Recover(ctx, &methodMiningCreateNewBlock, &err)
//		var opts mining.BlockCreateOptions
//		if err := readMining_createNewBlock_Params(Mining_createNewBlock_Params(call.Params()), &opts); err != nil {
//			return ipcimpl.ParamsError(&methodMiningCreateNewBlock, err)
//		}
//		result, err := s.impl.CreateNewBlock(ctx, opts)
//		return ipcimpl.Results(call, &methodMiningCreateNewBlock, capnp.ObjectSize{…}, err, func(r capnp.Struct) error {
//			return writeMining_createNewBlock_Results(Mining_createNewBlock_Results(r), result)
//		})
//	}
func (g *generator) serverMethod(owner, it *annotate.Interface, m *annotate.Method) {
	w := g.newFn("s", "ctx", "call")
	method := jen.Op("&").Id(methodVar(it, m))

	body := []jen.Code{jen.Defer().Qual(ipcimplPath, "Recover").Call(jen.Id("ctx"), method, jen.Op("&").Err())}
	read, args := g.serverParams(w, it, m)
	body = append(body, read...)
	body = append(body, g.serverCall(w, it, m, args)...)

	g.file.Line() // the serve methods' doc is Dispatch's
	g.file.Func().Params(jen.Id("s").Id(serverType(owner))).Id(serveMethod(m)).
		Params(jen.Id("ctx").Qual(contextPath, "Context"), jen.Id("call").Op("*").Qual(capnprpcPath, "Call")).
		Params(jen.Err().Error()).Block(body...)
}

// serverParams returns the statements of a serve method that declare the
// arguments of m and read them from the call's params, and the
// arguments' names; none for a method without parameters.
//
//	var opts mining.BlockCreateOptions
//	if err := readMining_createNewBlock_Params(Mining_createNewBlock_Params(call.Params()), &opts); err != nil {
//		return ipcimpl.ParamsError(&methodMiningCreateNewBlock, err)
//	}
//
// A single field that takes one call is read by that call:
//
//	if err := readTime(ipcimpl.Field(call.Params(), 0), &t); err != nil {
//		return ipcimpl.ParamsError(&methodTimesEcho, ipcimpl.InField("t", err))
//	}
func (g *generator) serverParams(w *fn, it *annotate.Interface, m *annotate.Method) (read []jen.Code, args []string) {
	goParams := live(m.Params)
	if len(goParams) == 0 {
		return nil, nil
	}
	method := jen.Op("&").Id(methodVar(it, m))
	pt := paramsType(it, m)
	var decls []jen.Code // var a int64, one a line
	for _, p := range goParams {
		name := w.sc.name(label(p))
		decls = append(decls, jen.Var().Id(name).Add(g.goType(p.Type)))
		args = append(args, name)
	}
	paramsError := func(err jen.Code) jen.Code { return jen.Qual(ipcimplPath, "ParamsError").Call(method, err) }
	if g.inline(pt, goParams, false, true) {
		wrap := func(err jen.Code) jen.Code { return paramsError(fieldWrap(label(goParams[0]))(err)) }
		steps := w.inlineSteps(jen.Id("call").Dot("Params").Call(), pt, goParams, ref{x: jen.Id(args[0])}, false, wrap)
		return append(decls, render(steps)...), args
	}
	readArgs := []jen.Code{jen.Id(pt).Call(jen.Id("call").Dot("Params").Call())}
	for _, a := range args {
		readArgs = append(readArgs, jen.Op("&").Id(a))
	}
	return append(decls, jen.If(
		jen.Err().Op(":=").Id(readFunc(pt)).Call(readArgs...),
		jen.Err().Op("!=").Nil(),
	).Block(jen.Return(paramsError(jen.Err())))), args
}

// serverCall returns the statements of a serve method that call the
// implementation with args and answer with its results, by the method's
// shape. The implementation's error reaches the caller through
// ipcimpl.ServerError (an error wrapping an //ipc:error sentinel carries the
// sentinel's code).
func (g *generator) serverCall(w *fn, it *annotate.Interface, m *annotate.Method, args []string) []jen.Code {
	implArgs := ids(args)
	if m.Context {
		implArgs = append([]jen.Code{jen.Id("ctx")}, implArgs...)
	}
	implCall := jen.Id("s").Dot("impl").Dot(m.Name).Call(implArgs...)
	if it.Func != nil {
		implCall = jen.Id("s").Dot("impl").Call(implArgs...)
	}
	goResults := live(m.Results)
	switch {
	case len(goResults) == 0 && m.Error:
		// return ipcimpl.ServerError(s.impl.Stop(ctx))
		return []jen.Code{jen.Return(jen.Qual(ipcimplPath, "ServerError").Call(implCall))}
	case len(goResults) == 0:
		// s.impl.Ping()
		// return nil
		return []jen.Code{implCall, jen.Return(jen.Nil())}
	}
	var results []string
	for _, r := range goResults {
		results = append(results, w.sc.name(label(r)))
	}
	// result, err := s.impl.Tip(ctx)
	// return ipcimpl.Results(call, &methodMiningTip, capnp.ObjectSize{…}, err, func(r capnp.Struct) error { … })
	assign, implErr := jen.List(ids(results)...), jen.Code(jen.Nil())
	if m.Error {
		assign, implErr = jen.List(append(ids(results), jen.Err())...), jen.Err()
	}
	rt := resultsType(it, m)
	write := w.conversionClosure("r", rt, goResults, results, true)
	return []jen.Code{
		assign.Op(":=").Add(implCall),
		jen.Return(jen.Qual(ipcimplPath, "Results").Call(jen.Id("call"), jen.Op("&").Id(methodVar(it, m)), g.objectSize(rt), implErr, write)),
	}
}
